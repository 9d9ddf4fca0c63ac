// CoursePulse's script-tag embed: defines <coursepulse-dashboard>, which shows the compact
// dashboard (embed.html, served next to this script) in an iframe from this script's origin, so
// the host page may be on any other origin. Types: coursepulse.d.ts beside this file.
//
//   <script src="https://coursepulse.example.edu/embed/coursepulse.js"></script>
//   <coursepulse-dashboard src="data/week.parquet" courses="CSC101" panels="learners,quality"
//                          theme="light" style="height: 480px"></coursepulse-dashboard>
//
// Attributes: src (data URL, relative to embed.html), courses (comma-separated: only these),
// mask (masking is on unless mask="0"|"false"|"off"), panels, theme (light|dark). A salt
// attribute is ignored: the page's DOM is no place for a secret key; call setSalt() instead.
// Methods: open(File | Blob | ArrayBuffer | typed array | URL string), setSalt(string). Events,
// dispatched on the element with the embed's message as `detail`: coursepulse:ready,
// coursepulse:loaded, coursepulse:error (a code and a fixed sentence), coursepulse:selection.
//
// The embed works only on pages of the origins its deployment lists in embed-config.json (next
// to embed.html); on any other page it shows a refusal and sends nothing. This element accepts
// only messages from its own iframe and the embed's origin.
(() => {
  'use strict';

  // Where embed.html is: next to the embed/ folder that holds this script.
  const script = document.currentScript;
  if (!script || !script.src) {
    console.warn('CoursePulse: load coursepulse.js with a classic <script src>, so it can find embed.html');
    return;
  }
  const EMBED_URL = new URL('../embed.html', script.src);
  const EMBED_ORIGIN = EMBED_URL.origin;
  const FORWARDED = ['src', 'panels', 'theme'];

  class CoursePulseDashboard extends HTMLElement {
    static get observedAttributes() {
      return ['src', 'courses', 'mask', 'panels', 'theme'];
    }

    constructor() {
      super();
      this._ready = false;
      this._queue = [];
      this._onMessage = (event) => this._receive(event);
    }

    connectedCallback() {
      if (!this.style.display) this.style.display = 'block';
      if (!this.style.height) this.style.height = '400px';
      if (!this._frame) {
        const frame = document.createElement('iframe');
        frame.title = 'CoursePulse dashboard';
        frame.style.cssText = 'border:0;width:100%;height:100%;display:block';
        this._frame = frame;
        this.appendChild(frame);
      }
      window.addEventListener('message', this._onMessage);
      this._load();
    }

    disconnectedCallback() {
      window.removeEventListener('message', this._onMessage);
    }

    attributeChangedCallback(_name, before, after) {
      if (this._frame && before !== after) this._load();
    }

    /// The iframe's address for the current attributes.
    get embedUrl() {
      const url = new URL(EMBED_URL);
      for (const name of FORWARDED) {
        const value = this.getAttribute(name);
        if (value) url.searchParams.set(name, value);
      }
      const courses = this.getAttribute('courses');
      if (courses) url.searchParams.set('courses', courses);
      const mask = this.getAttribute('mask');
      if (mask !== null && /^(0|false|off|no)$/i.test(mask.trim())) url.searchParams.set('mask', '0');
      if (this.hasAttribute('salt')) {
        console.warn('CoursePulse: the salt attribute is ignored (a salt in the page is not secret); use setSalt()');
      }
      return url.href;
    }

    /// Opens data in the dashboard: a File or Blob, an ArrayBuffer or typed array (copied), or
    /// a URL (resolved against this page). Sent when the embed is ready.
    open(input, name) {
      let message;
      if (typeof input === 'string' || input instanceof URL) {
        message = { type: 'coursepulse:open', url: new URL(String(input), document.baseURI).href };
      } else if (input instanceof Blob) {
        message = { type: 'coursepulse:open', file: input };
      } else if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
        message = { type: 'coursepulse:open', buffer: input };
      } else {
        throw new TypeError('CoursePulse: open() takes a File, a Blob, an ArrayBuffer, a typed array or a URL');
      }
      if (name) message.name = String(name);
      if (this._ready) this._post(message);
      else this._queue.push(message);
    }

    /// Sets the masking salt in the embed's memory (sent when the embed is ready).
    setSalt(salt) {
      const message = { type: 'coursepulse:salt', salt: String(salt ?? '') };
      if (this._ready) this._post(message);
      else this._queue.push(message);
    }

    _load() {
      const url = this.embedUrl;
      if (this._frame.src === url) return;
      this._ready = false;
      this._frame.src = url;
    }

    _post(message) {
      this._frame.contentWindow.postMessage(message, EMBED_ORIGIN);
    }

    _receive(event) {
      if (!this._frame || event.source !== this._frame.contentWindow) return;
      if (event.origin !== EMBED_ORIGIN) {
        console.warn(`CoursePulse: ignored a message from ${event.origin}, expected ${EMBED_ORIGIN}`);
        return;
      }
      const data = event.data;
      if (!data || typeof data.type !== 'string' || !data.type.startsWith('coursepulse:')) {
        console.warn('CoursePulse: ignored a malformed message from the embed', data);
        return;
      }
      if (data.type === 'coursepulse:ready') {
        this._ready = true;
        // Names this page to an embed whose browser cannot list its ancestors.
        this._post({ type: 'coursepulse:hello' });
        for (const message of this._queue.splice(0)) this._post(message);
      }
      this.dispatchEvent(new CustomEvent(data.type, { detail: data, bubbles: true, composed: true }));
    }
  }

  if (!customElements.get('coursepulse-dashboard')) {
    customElements.define('coursepulse-dashboard', CoursePulseDashboard);
  }
})();
