import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type ApiOptions, buildApi } from '../../src/api/app.ts';
import type { UserRole } from '../../src/core/domain/types.ts';
import { createFakeServices, type FakeServices, KEYS } from './fake-services.ts';

export async function buildTestApi(
  options: Partial<Omit<ApiOptions, 'services'>> = {},
): Promise<{ app: FastifyInstance; fake: FakeServices }> {
  const fake = createFakeServices();
  const app = await buildApi({ services: fake.services, version: '1.2.3-test', ...options });
  return { app, fake };
}

export const as = (role: UserRole) => ({ 'x-api-key': KEYS[role] });
export const bearer = (role: UserRole) => ({ authorization: `Bearer ${KEYS[role]}` });

export interface ErrorJson {
  success: false;
  error: string;
  message: string;
  details?: unknown;
}

/** Assert GPCN's error shape and return it. */
export function errorOf(response: LightMyRequestResponse): ErrorJson {
  const body = response.json() as ErrorJson;
  if (body.success !== false || typeof body.error !== 'string' || typeof body.message !== 'string') {
    throw new Error(`not an error body: ${response.body}`);
  }
  const allowed = new Set(['success', 'error', 'message', 'details']);
  const extra = Object.keys(body).filter((k) => !allowed.has(k));
  if (extra.length) throw new Error(`unexpected error fields ${extra.join(', ')}`);
  return body;
}
