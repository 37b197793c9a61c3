// Projects of the organization, and creating one.

import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { CREATE_PROJECT } from '../../api/documents';
import { ProblemNote } from '../../components/ProblemNote';
import type { AdminData } from './AdminPage';
import { useAction } from '../../hooks/useAction';

export function ProjectsPanel({ org, onChanged }: { org: AdminData; onChanged: () => void }) {
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [, create] = useMutation(CREATE_PROJECT);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const done = await action.run(() => create({ input: { org: org.slug, slug: slug.trim(), name: name.trim() } }));
    if (done) {
      setSlug('');
      setName('');
      onChanged();
    }
  };
  return (
    <section className="card" id="projects" aria-labelledby="projects-title">
      <h2 id="projects-title" className="card-title">
        Projects
      </h2>
      <ul className="plain">
        {org.projects.nodes.map((p) => (
          <li key={p.id}>
            <Link to={`/orgs/${org.slug}/projects/${p.slug}/plans`}>{p.name}</Link> <code className="muted">{p.slug}</code>
            {p.description && <div className="muted small">{p.description}</div>}
          </li>
        ))}
      </ul>
      {org.projectCreate && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="project-slug">Project slug</label>
            <input id="project-slug" required pattern="[a-z0-9\-]+" value={slug} onChange={(e) => setSlug(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="project-name">Project name</label>
            <input id="project-name" required value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <button type="submit" className="btn" disabled={action.busy}>
            Create project
          </button>
          <ProblemNote problem={action.problem} />
        </form>
      )}
    </section>
  );
}
