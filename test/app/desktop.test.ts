import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_CSP, isAppUrl, resolveAppFile, serveAppRequest } from '../../main/app/desktop/app-protocol.ts';
import { autostartPath, desktopEntry, isLinuxAutostartEnabled, quoteExecArg, setLinuxAutostart } from '../../main/app/desktop/autostart.ts';
import { checkExternalUrl } from '../../main/app/desktop/external-links.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'g8boot-desktop-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('serves the renderer build with the strict CSP, and nothing outside it', async () => {
    const root = join(dir, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>g8boot</title>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'no');

    const index = await serveAppRequest(root, 'app://g8boot/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>g8boot</title>');
    expect((await serveAppRequest(root, 'app://g8boot/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');

    for (const url of ['app://g8boot/../secret.txt', 'app://g8boot/%2e%2e/secret.txt', 'app://g8boot/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 'app://other/index.html', 'https://g8boot/index.html', 'app://g8boot/missing.js']) {
      const answer = await serveAppRequest(root, url);
      expect(answer.status, url).toBe(404);
      expect(answer.headers.get('content-security-policy')).toBe(APP_CSP);
    }
    expect(resolveAppFile(root, 'app://g8boot/%00.html')).toBeNull();
  });

  it('has a CSP without inline code, eval or network, like the renderer page', async () => {
    expect(APP_CSP).toMatch(/default-src 'none'/);
    expect(APP_CSP).toMatch(/script-src 'self';/);
    expect(APP_CSP).toMatch(/connect-src 'none'/);
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await readFile(join(import.meta.dirname, '..', '..', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(APP_CSP.startsWith(meta!)).toBe(true);
  });

  it('recognises the app origin only', () => {
    expect(isAppUrl('app://g8boot/index.html#/nodes')).toBe(true);
    expect(isAppUrl('app://g8boot.evil/index.html')).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/')).toBe(false);
    expect(isAppUrl('javascript:alert(1)')).toBe(false);
  });
});

describe('external links', () => {
  it('opens https links to the allowed hosts only', () => {
    expect(checkExternalUrl('https://my.zerotier.com/account')).toBe('https://my.zerotier.com/account');
    expect(checkExternalUrl('https://github.com/threefoldtech/0-bootstrap')).toBe('https://github.com/threefoldtech/0-bootstrap');
    for (const bad of ['http://my.zerotier.com/', 'file:///etc/passwd', 'https://evil.example/', 'https://my.zerotier.com.evil.example/', 'https://user:pw@github.com/', 'https://github.com:8443/', 'javascript:alert(1)', 'not a url', 42]) {
      expect(() => checkExternalUrl(bad), String(bad)).toThrow(expect.objectContaining({ code: 'E_EXTERNAL_REFUSED' }));
    }
  });
});

describe('start at login on Linux', () => {
  it('writes and removes an XDG autostart entry that starts g8boot hidden', async () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'config') };
    const command = ['/opt/g8boot/g8boot.AppImage'];
    expect(autostartPath({ env })).toBe(join(dir, 'config', 'autostart', 'g8boot.desktop'));
    expect(await isLinuxAutostartEnabled({ env })).toBe(false);
    await setLinuxAutostart(true, { command, env });
    const text = await readFile(autostartPath({ env }), 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\nName=g8boot');
    expect(text).toContain('Exec=/opt/g8boot/g8boot.AppImage --hidden');
    expect((await stat(autostartPath({ env }))).mode & 0o777).toBe(0o644);
    expect(await isLinuxAutostartEnabled({ env })).toBe(true);
    await setLinuxAutostart(false, { command, env });
    expect(await isLinuxAutostartEnabled({ env })).toBe(false);
    await setLinuxAutostart(false, { command, env });
  });

  it('falls back to ~/.config and quotes Exec arguments as the Desktop Entry spec asks', () => {
    expect(autostartPath({ env: {}, home: '/home/dev' })).toBe('/home/dev/.config/autostart/g8boot.desktop');
    expect(autostartPath({ env: { XDG_CONFIG_HOME: 'relative' }, home: '/home/dev' })).toBe('/home/dev/.config/autostart/g8boot.desktop');
    expect(quoteExecArg('/usr/bin/electron')).toBe('/usr/bin/electron');
    expect(quoteExecArg('/home/my apps/g8boot')).toBe('"/home/my apps/g8boot"');
    expect(quoteExecArg('a"b$c`d\\e')).toBe('"a\\"b\\$c\\`d\\\\e"');
    expect(quoteExecArg('100%')).toBe('"100%%"');
    expect(desktopEntry(['/usr/bin/electron', '/home/my apps/g8boot'])).toContain('Exec=/usr/bin/electron "/home/my apps/g8boot" --hidden\n');
  });
});
