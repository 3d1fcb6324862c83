// A stored template's sources. Handlebars text; a version without a text part gets one made
// from its HTML when rendered.
export interface TemplateContent {
  readonly subject: string;
  readonly html: string | null;
  readonly text: string | null;
}

/** How a send refers to a template and what it renders it with. */
export interface TemplateUse {
  /** A template id, or a template name. */
  readonly ref: string;
  /** Pin a version; the active one when absent. */
  readonly version?: number;
  /** Message-wide data. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Per-recipient data (lower-cased address → data), merged over `data` for that recipient. */
  readonly recipientData: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** Strict mode asked for by the request; the configured default applies when absent. */
  readonly strict?: boolean;
}
