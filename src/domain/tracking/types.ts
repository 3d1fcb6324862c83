// Data of the engagement events the tracking host writes. The event vocabulary keeps
// `opened`/`clicked` as open records (types.ts); these are the shapes txmail writes into them.

export interface EngagementData {
  readonly user_agent: string | null;
  readonly ip: string | null;
  /** A machine fetched the pixel or followed the link (privacy proxy, link scanner), not a person. */
  readonly machine: boolean;
  /** Why it counts as a machine: `apple_mpp`, `scanner_user_agent`, `head_request`, `too_fast`... */
  readonly machine_reason?: string;
  /** The first human open (or click) of this delivery: what unique-open and unique-click counts count. */
  readonly unique: boolean;
}

export type OpenedData = EngagementData;

export interface ClickedData extends EngagementData {
  readonly url: string;
}
