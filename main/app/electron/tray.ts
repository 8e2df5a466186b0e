/** The tray icon: trayModel (plain Node) turned into Electron's Tray, image, tooltip and Menu on every change. */
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { join } from 'node:path';
import type { HypervisorView } from '../../common/ipc.ts';
import type { AppService } from '../service/app-service.ts';
import { trayModel, type MenuItemModel, type TrayCommand, type TrayIconState } from '../tray/tray-model.ts';

function iconFile(iconsDir: string, state: TrayIconState): string {
  // macOS: template images (black + alpha, tinted by the menu bar); Windows: ICO; Linux: PNG. @2x is found by name.
  if (process.platform === 'darwin') return join(iconsDir, `tray-${state}Template.png`);
  if (process.platform === 'win32') return join(iconsDir, `tray-${state}.ico`);
  return join(iconsDir, `tray-${state}.png`);
}

function template(items: MenuItemModel[], run: (command: TrayCommand) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'submenu':
        return { label: item.label, submenu: template(item.items, run) };
      case 'checkbox':
        return { label: item.label, type: 'checkbox', checked: item.checked, click: () => run(item.command) };
      case 'action':
        return { label: item.label, enabled: item.enabled ?? true, click: () => run(item.command) };
    }
  });
}

export function createTrayIcon(options: { service: AppService; iconsDir: string; run: (command: TrayCommand) => void; onClick: () => void }): { destroy(): void } {
  const { api } = options.service;
  const images = new Map<TrayIconState, NativeImage>();
  const image = (state: TrayIconState) => {
    let loaded = images.get(state);
    if (!loaded) images.set(state, (loaded = nativeImage.createFromPath(iconFile(options.iconsDir, state))));
    return loaded;
  };
  const tray = new Tray(image('unconfigured'));
  tray.setToolTip('g8boot');
  // Windows and Linux: a click opens the dashboard; the menu is on right click (macOS shows the menu on click).
  if (process.platform !== 'darwin') tray.on('click', options.onClick);

  let hypervisors: HypervisorView[] | null = null;
  let shownIcon: TrayIconState | null = null;
  let rendering = false;
  let again = false;

  const render = async () => {
    if (rendering) {
      again = true;
      return;
    }
    rendering = true;
    try {
      do {
        again = false;
        const [state, nodes, settings] = await Promise.all([api.getState(), api.listNodes(), api.getSettings()]);
        const model = trayModel({ state, nodes, hypervisors, startAtLogin: settings.startAtLogin });
        if (tray.isDestroyed()) return;
        if (model.icon !== shownIcon) tray.setImage(image(model.icon));
        shownIcon = model.icon;
        tray.setToolTip(model.tooltip);
        // Rebuilt and set every time: Linux (StatusNotifier) shows a changed menu only after setContextMenu.
        tray.setContextMenu(Menu.buildFromTemplate(template(model.menu, options.run)));
      } while (again);
    } finally {
      rendering = false;
    }
  };
  const rerender = () => void render().catch(() => undefined);

  const unsubscribe = [options.service.on('state', rerender), options.service.on('nodes', rerender)];
  void api.listHypervisors().then((found) => {
    hypervisors = found;
    rerender();
  }, rerender);
  rerender();

  return {
    destroy() {
      for (const off of unsubscribe) off();
      tray.destroy();
    },
  };
}
