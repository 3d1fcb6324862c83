// The compatibility APIs, each a plugin in its own scope with its own auth and error shapes.
import type { Store } from '../../../store/store.js';
import { SesCredentials } from '../../ses-credentials.js';
import type { HttpPlugin } from '../app.js';
import { postmarkPlugin } from './postmark/index.js';
import { sendgridPlugin } from './sendgrid/index.js';
import { sesCredentialsRoute } from './ses/credentials-route.js';
import { sesPlugin } from './ses/index.js';

export async function compatPlugins(store: Store): Promise<HttpPlugin[]> {
  const ses = await SesCredentials.open(store);
  return [sendgridPlugin, sesPlugin(ses), sesCredentialsRoute(ses), postmarkPlugin];
}
