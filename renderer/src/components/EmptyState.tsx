import type { ReactNode } from 'react';

/** Nothing to show yet: says why and what to do (the children are the action). */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}
