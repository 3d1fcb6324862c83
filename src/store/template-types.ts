// The records of the template verbs of the Store (store.ts), apart to keep that file short.
import type { TemplateContent } from '../domain/templates/types.js';

export interface TemplateVersion extends TemplateContent {
  readonly templateId: string;
  /** 1, 2, 3... per template, never reused. */
  readonly version: number;
  readonly createdAt: number;
}

export interface TemplateRecord {
  /** `d-` + 32 hex digits: the shape of a SendGrid dynamic template id (see lib/ids.ts). */
  readonly id: string;
  readonly tenantId: string;
  /** Unique per tenant; sends may name a template by it (SES TemplateName, Postmark TemplateAlias). */
  readonly name: string;
  /** The version sends use. */
  readonly activeVersion: number;
  readonly latestVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewTemplate {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: number;
  /** Becomes version 1, active. */
  readonly content: TemplateContent;
}
