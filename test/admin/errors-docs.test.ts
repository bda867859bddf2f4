import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADMIN_ERROR_CODES } from '../../src/admin/errors.js';

const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8');

describe('admin error codes', () => {
  it('are each documented with their status', () => {
    for (const [code, status] of Object.entries(ADMIN_ERROR_CODES)) {
      expect(doc, code).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});
