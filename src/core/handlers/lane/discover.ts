import type { Handler } from '../types.js';

export const handleLaneDiscover: Handler<'lane.discover'> = async (input, ctx) => {
  const page = await ctx.appServer.listThreads({ limit: input.limit, cursor: input.cursor ?? null, archived: input.archived });
  return {
    sessions: page.threads.map((t) => ({
      id: t.id,
      name: t.name,
      preview: shortPreview(t.preview),
      cwd: t.cwd,
      status: t.status,
      source: t.source,
      managed: ctx.store.lanes.find(t.id) !== undefined,
      updated_at: t.updatedAt,
    })),
    next_cursor: page.nextCursor,
  };
};

/** Collapses whitespace and cuts long previews to 80 characters with an ellipsis. */
export function shortPreview(preview: string): string {
  const flat = preview.replace(/\s+/g, ' ').trim();
  return flat.length <= 80 ? flat : `${flat.slice(0, 79).trimEnd()}…`;
}
