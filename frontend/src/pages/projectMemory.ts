// Remembers the last project used in each org, so org-level screens can link back to it.

const KEY = 'praetor.lastProject';

function read(): Record<string, string> {
  try {
    const raw = window.localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function rememberProject(org: string, project: string): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify({ ...read(), [org]: project }));
  } catch {
    // Storage may be unavailable (private mode); remembering is a convenience only.
  }
}

/** The remembered project if it still exists, else the first one. */
export function rememberedProject(org: string, projects: string[]): string | null {
  const last = read()[org];
  if (last && projects.includes(last)) return last;
  return projects[0] ?? null;
}
