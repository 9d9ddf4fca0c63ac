// TypeScript types for CoursePulse's embeds: the <coursepulse-dashboard> element defined by
// coursepulse.js, and the postMessage API of embed.html (iframe) that the element wraps.
//
// The embed obeys only its parent window, and when its URL has origin=ORIGIN only messages from
// that origin; it sends events to that origin (or to its parent, whatever its origin, when
// origin= is missing). Malformed messages are ignored with a console warning.

/** Sent by the host to the embed's window: open data. Exactly one of file, buffer or url. */
export type CoursePulseOpenMessage = {
  type: 'coursepulse:open';
  /** Shown as the data's name; defaults to the file's name, or "buffer". */
  name?: string;
} & (
  | { file: File | Blob; buffer?: never; url?: never }
  | { buffer: ArrayBuffer | ArrayBufferView; file?: never; url?: never }
  /** Absolute, or relative to embed.html; same origin, or a host allowing CORS and the CSP. */
  | { url: string; file?: never; buffer?: never }
);

/** Every message the host may send. */
export type CoursePulseHostMessage = CoursePulseOpenMessage;

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

/** A load or request failed; the message is the one the dashboard shows. */
export interface CoursePulseErrorEvent {
  type: 'coursepulse:error';
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
  /** Data to open: "sample" or a URL, relative to embed.html. */
  src?: string;
  /** Only these courses, comma-separated (a view, not access control). */
  courses?: string;
  /** Masking is on unless this is "0", "false" or "off". */
  mask?: string | boolean;
  /** The pseudonyms' key. */
  salt?: string;
  /** Panels to show, comma-separated CoursePulsePanel names. */
  panels?: string;
  theme?: 'light' | 'dark';
}

declare global {
  interface HTMLElementTagNameMap {
    'coursepulse-dashboard': CoursePulseDashboardElement;
  }
}
