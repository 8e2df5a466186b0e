/** Shows the notifier's decisions as Electron notifications, with an action button where the OS has them. */
import { Notification } from 'electron';
import type { NotificationCommand, NotificationModel } from '../notifications/notifier.ts';

export function createNotificationShower(run: (command: NotificationCommand) => void): (model: NotificationModel) => void {
  // Electron drops the events of a notification that was garbage-collected: keep each until it closes.
  const live = new Set<Notification>();
  return (model) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({
      title: model.title,
      body: model.body,
      actions: model.action ? [{ type: 'button', text: model.action.label }] : [],
    });
    live.add(notification);
    notification.on('click', () => run(model.click));
    notification.on('action', () => {
      if (model.action) run(model.action.command);
    });
    notification.on('close', () => live.delete(notification));
    notification.show();
  };
}
