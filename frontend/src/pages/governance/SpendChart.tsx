// Today's spend of every project of the org, as bars on one scale (the org's daily limit when
// it has one), spent and held drawn apart, with each project's own limit marked. Read again with
// the limits page (after plan and budget activity, see lib/refresh.ts).

import { useQuery } from 'urql';
import { ORG_SPEND } from '../../api/documents';
import type { OrgSpendQuery } from '../../api/generated/graphql';
import { ProblemNote } from '../../components/ProblemNote';
import { useRefreshOnActivity } from '../../hooks/useActivityRefresh';
import { LIMITS_EVENTS } from '../../lib/refresh';

type Row = OrgSpendQuery['org']['projects']['nodes'][number];

/** Bar lengths in percent of a common scale: the org limit, or the largest bar. */
export function spendScale(rows: Row[], orgLimit: number | null): number {
  const largest = Math.max(0, ...rows.map((r) => Math.max(r.budget.spent + r.budget.reserved, r.budget.limit ?? 0)));
  return Math.max(orgLimit ?? 0, largest, 1);
}

export function SpendChart({ org, orgLimit, unit }: { org: string; orgLimit: number | null; unit: string }) {
  const [{ data, error }, refetch] = useQuery({ query: ORG_SPEND, variables: { org } });
  useRefreshOnActivity(LIMITS_EVENTS, () => refetch({ requestPolicy: 'network-only' }));
  if (error) return <ProblemNote error={error} />;
  const rows = data?.org.projects.nodes ?? [];
  const scale = spendScale(rows, orgLimit);
  const pct = (n: number) => `${Math.min(100, (n / scale) * 100)}%`;
  return (
    <figure className="spend">
      <figcaption className="section-title">
        Spent today by project{orgLimit !== null && ` (scale: the organization's ${orgLimit} ${unit})`}
      </figcaption>
      <table className="spend-table">
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid={`spend-${r.slug}`}>
              <th scope="row">{r.name}</th>
              <td className="spend-bar-cell">
                <div className="spend-bar" role="img" aria-label={`${r.name}: ${r.budget.spent} ${r.budget.unit} spent, ${r.budget.reserved} held`}>
                  <span className="spend-used" style={{ width: pct(r.budget.spent) }} />
                  {r.budget.reserved > 0 && <span className="spend-held" style={{ left: pct(r.budget.spent), width: pct(r.budget.reserved) }} />}
                  {r.budget.limit !== null && <span className="gauge-mark" style={{ left: pct(r.budget.limit) }} title={`project limit ${r.budget.limit}`} />}
                </div>
              </td>
              <td className="spend-value">
                {Math.round(r.budget.spent * 100) / 100}
                {r.budget.limit !== null && ` / ${r.budget.limit}`} {r.budget.unit}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
