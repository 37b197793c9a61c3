// "All organizations": the instance's plans over the same range and each organization's total,
// for instance administrators. Asked only of a viewer the session says is one (as the admin
// page's scheduled jobs are); should the server still answer FORBIDDEN (the right was taken
// away since signing in), the section is not shown rather than shown as an error.

import { useEffect } from 'react';
import { useQuery } from 'urql';
import { INSTANCE_ROLLUPS } from '../../api/documents';
import { problemOf } from '../../api/errors';
import type { Range } from '../../lib/rollups';
import { refusalCount, roundSpend, totalsOf } from '../../lib/rollups';
import { ProblemNote } from '../../components/ProblemNote';
import { PlansChart } from './RollupCharts';

export function InstanceSection({ range, instanceAdmin, refresh }: { range: Range; instanceAdmin: boolean; refresh: number }) {
  const [{ data, error }, refetch] = useQuery({
    query: INSTANCE_ROLLUPS,
    variables: range,
    pause: !instanceAdmin,
    requestPolicy: 'cache-and-network',
  });
  useEffect(() => {
    if (refresh > 0 && instanceAdmin) refetch({ requestPolicy: 'network-only' });
  }, [refresh, instanceAdmin, refetch]);
  if (!instanceAdmin || problemOf(error)?.code === 'FORBIDDEN') return null;
  const rollups = data?.instanceRollups;
  const plans = rollups ? totalsOf(rollups.points).plansProposed : 0;
  return (
    <section className="stack" aria-labelledby="instance-rollups-title" data-testid="instance-rollups">
      <h2 id="instance-rollups-title" className="section-heading">
        All organizations
      </h2>
      <p className="muted small">The whole instance over the same range (instance administrators only).</p>
      {!rollups && <ProblemNote error={error} />}
      {rollups && (
        <>
          <PlansChart points={rollups.points} granularity={range.granularity} title={`Plans in every organization (${plans} proposed)`} testId="chart-instance-plans" />
          <div className="card table-scroll">
            <table className="data" data-testid="instance-orgs">
              <caption>Each organization’s total, most plans first</caption>
              <thead>
                <tr>
                  <th scope="col">Organization</th>
                  <th scope="col" className="num">
                    Plans
                  </th>
                  <th scope="col" className="num">
                    Succeeded
                  </th>
                  <th scope="col" className="num">
                    Failed
                  </th>
                  <th scope="col" className="num">
                    Spend
                  </th>
                  <th scope="col" className="num">
                    Refusals
                  </th>
                  <th scope="col" className="num">
                    Approvals
                  </th>
                </tr>
              </thead>
              <tbody>
                {rollups.orgs.map((o) => (
                  <tr key={o.slug} data-testid={`instance-org-${o.slug}`}>
                    <th scope="row">
                      {o.name} <code className="muted">{o.slug}</code>
                    </th>
                    <td className="num">{o.totals.plansProposed}</td>
                    <td className="num">{o.totals.plansSucceeded}</td>
                    <td className="num">{o.totals.plansFailed}</td>
                    <td className="num">{roundSpend(o.totals.spend)}</td>
                    <td className="num">{refusalCount(o.totals)}</td>
                    <td className="num">{o.totals.approvals}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
