// `txmail tenants create|list|suspend|resume` over the admin API (a platform key).
import { Remote, table, UsageError } from './remote.js';

type Obj = Record<string, unknown>;

const tenantLine = (t: Obj): string[] => [String(t.id), String(t.name), String(t.status), String(t.created_at), String(t.suspend_reason ?? '')];

export async function tenantsCommand(remote: Remote, action: string | undefined, arg: string | undefined, reason: string | undefined): Promise<number> {
  const one = (b: Obj): string => table(['ID', 'NAME', 'STATUS', 'CREATED', 'REASON'], [tenantLine(b)]);
  switch (action) {
    case 'list':
      return remote.finish(await remote.call('GET', '/v1/tenants'), (b) => table(['ID', 'NAME', 'STATUS', 'CREATED', 'REASON'], (b.tenants as Obj[]).map(tenantLine)));
    case 'create':
      if (!arg) throw new UsageError('tenants create needs a NAME');
      return remote.finish(await remote.call('POST', '/v1/tenants', { name: arg }), one);
    case 'suspend':
      if (!arg || !reason) throw new UsageError('tenants suspend needs an ID and --reason');
      return remote.finish(await remote.call('POST', `/v1/tenants/${encodeURIComponent(arg)}/suspend`, { reason }), (b) => one(b) + `held ${String(b.held)} queued deliveries\n`);
    case 'resume':
      if (!arg) throw new UsageError('tenants resume needs an ID');
      return remote.finish(await remote.call('POST', `/v1/tenants/${encodeURIComponent(arg)}/resume`, {}), (b) => one(b) + `released ${String(b.released)} deliveries\n`);
    default:
      throw new UsageError(`unknown tenants command ${action ?? ''}`);
  }
}
