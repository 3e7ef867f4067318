// The OpenAPI document: valid 3.1, and the same set of routes as the router serves.
// (Every response the other tests receive is checked against it in helpers.ts.)
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { routes } from '../src/http/routes.ts';
import { checkResponse, openapi } from './contract.ts';

describe('the OpenAPI document', () => {
  test('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(path.resolve('docs/openapi.json'));
    assert.deepEqual(result, { valid: true });
    assert.equal(validator.version, '3.1');
  });

  test('documents exactly the routes the router serves', () => {
    const served = routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort();
    const documented = Object.entries(openapi.paths).flatMap(([p, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    assert.deepEqual(documented, served);
  });

  test('every error code of API.md appears in the Problem schema', () => {
    const codes = openapi.components.schemas.Problem.properties.code.enum;
    for (const code of ['malformed_json', 'invalid_query', 'duplicate_header', 'missing_api_key', 'invalid_api_key', 'forbidden', 'invalid_bootstrap_key', 'bootstrap_closed', 'not_found', 'route_not_found', 'method_not_allowed', 'invalid_status_transition', 'status_is_terminal', 'status_already_set', 'in_progress_requires_assignee', 'email_already_exists', 'last_admin', 'idempotency_key_conflict', 'idempotency_key_in_use', 'precondition_failed', 'payload_too_large', 'unsupported_media_type', 'validation_failed', 'rate_limited', 'too_many_headers', 'internal_error', 'database_unavailable']) {
      assert.ok(codes.includes(code), code);
    }
  });

  test('the contract check refuses a body that drifts from the document', () => {
    const good = { status: 'ok' };
    checkResponse('GET', '/health', 200, 'application/json', good);
    assert.throws(() => checkResponse('GET', '/health', 200, 'application/json', { status: 'ok', extra: 1 }), /does not match/);
    assert.throws(() => checkResponse('GET', '/health', 201, 'application/json', good), /does not list/);
    assert.throws(() => checkResponse('GET', '/requests/REQ-1', 200, 'application/json', { id: 'x' }), /does not match/);
  });
});
