// Each project's total over the range (from `rollupsByProject`, which adds up whole UTC days),
// sortable by any column: a click on a column's header sorts by it, a second click reverses.
// The organization's own activity outside any project has a row of its own.

import { useState } from 'react';
import type { ProjectRollup } from '../../api/types';
import { projectLabel, refusalCount, roundSpend, sortProjects, type ProjectColumn } from '../../lib/rollups';

const COLUMNS: readonly { key: ProjectColumn; label: string }[] = [
  { key: 'project', label: 'Project' },
  { key: 'plans', label: 'Plans' },
  { key: 'succeeded', label: 'Succeeded' },
  { key: 'failed', label: 'Failed' },
  { key: 'spend', label: 'Spend' },
  { key: 'refusals', label: 'Refusals' },
  { key: 'approvals', label: 'Approvals' },
];

export function ProjectTable({ rows, unit, selected, caption }: { rows: readonly ProjectRollup[]; unit: string; selected: string; caption: string }) {
  // Unsorted, the rows keep the server's order: largest spend first.
  const [sort, setSort] = useState<{ column: ProjectColumn; descending: boolean } | null>(null);
  const shown = sort ? sortProjects(rows, sort.column, sort.descending) : rows;
  const sortBy = (column: ProjectColumn) =>
    setSort((s) => (s?.column === column ? { column, descending: !s.descending } : { column, descending: column !== 'project' }));
  return (
    <section className="card" aria-labelledby="rollup-projects-title">
      <h2 id="rollup-projects-title" className="card-title">
        By project
      </h2>
      <p className="muted small">{caption}</p>
      {rows.length === 0 ? (
        <p className="muted">No project had activity in this range.</p>
      ) : (
        <div className="table-scroll">
          <table className="data" data-testid="rollup-projects">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th
                    key={c.key}
                    scope="col"
                    className={c.key === 'project' ? undefined : 'num'}
                    aria-sort={sort?.column === c.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
                  >
                    <button type="button" className="sort-button" onClick={() => sortBy(c.key)}>
                      {c.label}
                      <span aria-hidden="true">{sort?.column === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => {
                const t = r.totals;
                const slug = r.project?.slug ?? '';
                return (
                  <tr key={r.project?.id ?? 'org'} data-testid={`rollup-project-${slug || 'org'}`} className={slug && slug === selected ? 'row-fresh' : undefined}>
                    <th scope="row">{projectLabel(r)}</th>
                    <td className="num">{t.plansProposed}</td>
                    <td className="num">{t.plansSucceeded}</td>
                    <td className="num">{t.plansFailed}</td>
                    <td className="num">
                      {roundSpend(t.spend)} <span className="muted small">{unit}</span>
                    </td>
                    <td className="num">{refusalCount(t)}</td>
                    <td className="num">{t.approvals}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
