import { describe, expect, it } from 'vitest';
import { adminBindHost, isLoopbackHost } from '../../src/admin/bind-host.js';

describe('adminBindHost', () => {
  it('uses the configured host when a token is set', () => {
    expect(adminBindHost({ token: 't', host: '0.0.0.0' })).toEqual({ host: '0.0.0.0', authenticated: true });
  });

  it('falls back to loopback with a warning when no token is set', () => {
    for (const token of [undefined, '']) {
      const bind = adminBindHost({ token, host: '0.0.0.0' });
      expect(bind.host).toBe('127.0.0.1');
      expect(bind.authenticated).toBe(false);
      expect(bind.warning).toContain('TOKEN_NINJA_ADMIN_TOKEN is not set');
      expect(bind.warning).toContain('host 0.0.0.0 ignored');
    }
  });

  it('keeps a loopback host that was asked for, still warning', () => {
    const bind = adminBindHost({ host: '::1' });
    expect(bind.host).toBe('::1');
    expect(bind.warning).toContain('listens on ::1 only');
    expect(bind.warning).not.toContain('ignored');
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.internal', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
