// TypeScript types for CoursePulse's embeds: the <coursepulse-dashboard> element defined by
// coursepulse.js, and the postMessage API of embed.html (iframe) that the element wraps.
//
// Who may embed is the deployment's choice: embed-config.json next to embed.html,
// { "allowedOrigins": ["https://lms.example.edu"] }, default same origin only. The URL's origin=
// is ignored. A page of any other origin gets nothing: the embed opens nothing (not even src=),
// obeys no message and sends no event. Events go only to the embedding page's origin, never to
// '*'. Where the browser has no location.ancestorOrigins (Firefox), the embed learns its
// embedder from the first message it receives (send { type: 'coursepulse:hello' } on ready;
// <coursepulse-dashboard> does). Malformed messages are ignored with a console warning.

/** Sent by the host to the embed's window: open data. Exactly one of file, buffer or url. */
export type CoursePulseOpenMessage = {
  type: 'coursepulse:open';
  /** Shown as the data's name; defaults to the file's name, or "buffer". */
  name?: string;
} & (
  | { file: File | Blob; buffer?: never; url?: never }
  | { buffer: ArrayBuffer | ArrayBufferView; file?: never; url?: never }
  /**
   * A path on the embed's own site (relative to embed.html), or an http(s) URL of the embed's
   * origin or of an origin listed in embed-config.json (which must allow CORS). Other schemes
   * (data:, blob:, javascript:...) and other origins are refused with a `url-refused` error.
   */
  | { url: string; file?: never; buffer?: never }
);

/** Sent by the host once the embed is ready: names the host where the browser cannot. */
export interface CoursePulseHelloMessage {
  type: 'coursepulse:hello';
}

/**
 * Sets the masking salt (the pseudonyms' secret key) without putting it in a URL or in the
 * host page's DOM. Kept in the embed's memory only; send it again after a reload. An empty
 * string removes it.
 */
export interface CoursePulseSaltMessage {
  type: 'coursepulse:salt';
  salt: string;
}

/** Every message the host may send. */
export type CoursePulseHostMessage = CoursePulseOpenMessage | CoursePulseHelloMessage | CoursePulseSaltMessage;

/** The embed listens and will obey `coursepulse:open`. */
export interface CoursePulseReadyEvent {
  type: 'coursepulse:ready';
}

/** A dashboard is shown (after a load, a filter change or a re-list): headline figures only. */
export interface CoursePulseLoadedEvent {
  type: 'coursepulse:loaded';
  /** What was read: a file name, "the sample data", a URL; null when unknown. */
  source: string | null;
  rows: number;
  studentRows: number;
  learners: number;
  courses: number;
  videos: number;
  /** Mean completion in percent, or null when no row has a valid completion. */
  meanCompletion: number | null;
  duplicatesRemoved: number;
  /** Rows outside the course or date filter. */
  filteredOut: number;
  rulesFailed: number;
  rulesWarned: number;
  /** No error-severity quality rule failed. */
  qualityPassed: boolean;
  /** The courses in the dashboard. */
  courseKeys: string[];
  /** The course filter in force (empty: all courses). */
  filter: string[];
  /** Masked mode is on. */
  masked: boolean;
}

/**
 * A load or request failed. The host gets a code and a fixed sentence, never the message the
 * dashboard shows (it may quote the file: its column names, part of its first line).
 */
export interface CoursePulseErrorEvent {
  type: 'coursepulse:error';
  /** url-refused: the URL is not on an allowed origin; columns: the data needs a column
   *  mapping; load-failed: anything else (the embedded dashboard shows why). */
  code: 'url-refused' | 'columns' | 'load-failed';
  message: string;
}

/** The user selected a course (its videos are listed), or closed it (null). */
export interface CoursePulseSelectionEvent {
  type: 'coursepulse:selection';
  course: string | null;
}

/** Every message the embed sends to the host. */
export type CoursePulseEmbedMessage =
  | CoursePulseReadyEvent
  | CoursePulseLoadedEvent
  | CoursePulseErrorEvent
  | CoursePulseSelectionEvent;

/** The panels `panels=` can name (comma-separated). */
export type CoursePulsePanel = 'charts' | 'learners' | 'courses' | 'videos' | 'quality';

/** The <coursepulse-dashboard> element. */
export interface CoursePulseDashboardElement extends HTMLElement {
  /** The iframe's embed.html address for the current attributes. */
  readonly embedUrl: string;
  /**
   * Opens data: a File or Blob, an ArrayBuffer or typed array (copied), or a URL (resolved
   * against the host page). Queued until the embed is ready.
   */
  open(input: File | Blob | ArrayBuffer | ArrayBufferView | string | URL, name?: string): void;
  /** Sets the masking salt by message (never as an attribute or URL parameter). */
  setSalt(salt: string): void;

  addEventListener<K extends keyof CoursePulseDashboardEventMap>(
    type: K,
    listener: (this: CoursePulseDashboardElement, event: CoursePulseDashboardEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

/** The element's events: each carries the embed's message as `detail`. */
export interface CoursePulseDashboardEventMap extends HTMLElementEventMap {
  'coursepulse:ready': CustomEvent<CoursePulseReadyEvent>;
  'coursepulse:loaded': CustomEvent<CoursePulseLoadedEvent>;
  'coursepulse:error': CustomEvent<CoursePulseErrorEvent>;
  'coursepulse:selection': CustomEvent<CoursePulseSelectionEvent>;
}

/** The element's attributes, as strings in HTML. */
export interface CoursePulseDashboardAttributes {
  /** Data to open: "sample", a path relative to embed.html, or a URL of an allowed origin. */
  src?: string;
  /** Only these courses, comma-separated (a view, not access control). */
  courses?: string;
  /** Masking is on unless this is "0", "false" or "off". */
  mask?: string | boolean;
  /** Ignored (with a console warning): a salt in the page is not secret. Use setSalt(). */
  salt?: never;
  /** Panels to show, comma-separated CoursePulsePanel names. */
  panels?: string;
  theme?: 'light' | 'dark';
}

declare global {
  interface HTMLElementTagNameMap {
    'coursepulse-dashboard': CoursePulseDashboardElement;
  }
}
