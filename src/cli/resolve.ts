import type { DatacenterInfo, SeriesInfo } from '../contract/catalog.ts';
import type { ApiClient, QueryValue } from './client.ts';
import { operationFailed } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_LIMIT = 100;
/** A guard against a server whose pages never end; 5,000 rows is far beyond one installation's keys or groups. */
const MAX_PAGES = 50;

export const isUuid = (value: string) => UUID.test(value);

/** Every row of a paginated list endpoint, page after page. */
export async function listAll<T>(client: ApiClient, path: string, query: Record<string, QueryValue> = {}): Promise<T[]> {
  const rows: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const result = await client.get<T[]>(path, { ...query, page, limit: PAGE_LIMIT });
    rows.push(...(result.data ?? []));
    if (!result.meta?.hasNextPage) break;
  }
  return rows;
}

interface Named {
  id: string;
  name: string;
}

/** The one row with exactly this name; several matches are listed so the user can pick an id. */
function pickByName<T extends Named>(what: string, ref: string, rows: readonly T[], describe?: (row: T) => string): T {
  const matches = rows.filter((row) => row.name === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw operationFailed('NOT_FOUND', `no ${what} named "${ref}" (ids work too)`);
  const listed = matches.map((row) => (describe ? `${row.id} (${describe(row)})` : row.id)).join(', ');
  throw operationFailed('AMBIGUOUS_NAME', `${matches.length} ${what}s are named "${ref}": ${listed}; use an id`);
}

/** Every id of the API is a UUID, so a UUID is taken as an id without asking; anything else is a name. */
async function resolveId<T extends Named>(
  what: string,
  ref: string,
  list: () => Promise<T[]>,
  describe?: (row: T) => string,
): Promise<string> {
  if (isUuid(ref)) return ref;
  return pickByName(what, ref, await list(), describe).id;
}

export function resolveVmId(client: ApiClient, ref: string): Promise<string> {
  return resolveId(
    'GPU VM',
    ref,
    // The server's search narrows the list to names containing the text; exact matching happens here.
    () => listAll<Named & { status: string }>(client, '/v1/resource/gpu', { search: ref }),
    (vm) => vm.status,
  );
}

export async function resolveVmIds(client: ApiClient, refs: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) ids.push(await resolveVmId(client, ref));
  return ids;
}

export function resolveSshKeyId(client: ApiClient, ref: string): Promise<string> {
  return resolveId('SSH key', ref, () => listAll<Named>(client, '/v1/resource/ssh-keys'));
}

export function resolveStartupScriptId(client: ApiClient, ref: string): Promise<string> {
  return resolveId('startup script', ref, () => listAll<Named>(client, '/v1/resource/startup-scripts'));
}

export function resolveVolumeId(client: ApiClient, ref: string): Promise<string> {
  return resolveId(
    'volume',
    ref,
    // Names are unique among live volumes; the search narrows the list, exact matching happens here.
    () => listAll<Named & { status: string; datacenter: { code: string } }>(client, '/v1/resource/volumes', { search: ref }),
    (volume) => `${volume.status}, ${volume.datacenter.code}`,
  );
}

export async function resolveVolumeIds(client: ApiClient, refs: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) ids.push(await resolveVolumeId(client, ref));
  return ids;
}

export function resolveGroupId(client: ApiClient, ref: string): Promise<string> {
  return resolveId('resource group', ref, () => listAll<Named>(client, '/v1/resource-groups'));
}

export function resolveAccountId(client: ApiClient, ref: string): Promise<string> {
  return resolveId(
    'provider account',
    ref,
    async () => (await client.get<(Named & { provider: string })[]>('/v1/provider-accounts')).data ?? [],
    (account) => account.provider,
  );
}

export function resolveApiKeyId(client: ApiClient, ref: string): Promise<string> {
  return resolveId('API key', ref, async () => (await client.get<Named[]>('/v1/api-keys')).data ?? []);
}

/** A series by code (`h100_series`), id or name. */
export async function resolveSeries(client: ApiClient, ref: string): Promise<SeriesInfo> {
  const all = (await client.get<SeriesInfo[]>('/v1/resource/gpu/series')).data ?? [];
  const found = all.find((s) => s.code === ref || s.id === ref) ?? all.find((s) => s.name.toLowerCase() === ref.toLowerCase());
  if (found) return found;
  throw operationFailed('NOT_FOUND', `no GPU series "${ref}"; known codes: ${all.map((s) => s.code).join(', ') || 'none'}`);
}

/** A datacenter by code (`verda-fin-01`), id or name. */
export async function resolveDatacenter(client: ApiClient, ref: string): Promise<DatacenterInfo> {
  const all = (await client.get<DatacenterInfo[]>('/v1/resource/data-centers')).data ?? [];
  const found = all.find((d) => d.code === ref || d.id === ref) ?? all.find((d) => d.name.toLowerCase() === ref.toLowerCase());
  if (found) return found;
  throw operationFailed('NOT_FOUND', `no datacenter "${ref}"; known codes: ${all.map((d) => d.code).join(', ') || 'none'}`);
}
