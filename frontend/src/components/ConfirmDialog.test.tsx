// Tests of the confirm dialog: it says what will happen, does nothing on Cancel or Escape, acts
// only on its own button, has Cancel focused (Enter pressed twice changes nothing), refuses an
// empty required reason, and inside another form submits nothing of it.

import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmButton, ConfirmDialog } from './ConfirmDialog';

function renderButton(onConfirm = vi.fn()) {
  render(
    <ConfirmButton
      aria-label="Revoke key ci-deploy"
      title="Revoke the key ci-deploy?"
      consequence={<p>Anything calling Praetor with it is refused from now on.</p>}
      confirmLabel="Revoke key"
      onConfirm={onConfirm}
    >
      Revoke
    </ConfirmButton>,
  );
  return onConfirm;
}

describe('ConfirmButton', () => {
  it('says what will happen and acts only on the confirming button', () => {
    const onConfirm = renderButton();
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key ci-deploy' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke the key ci-deploy?' });
    expect(dialog.textContent).toContain('refused from now on');
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('leaves everything as it was on Cancel or Escape', () => {
    const onConfirm = renderButton();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key ci-deploy' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key ci-deploy' }));
    fireEvent(screen.getByTestId('confirm-dialog'), new Event('cancel', { cancelable: true }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('has Cancel focused, so Enter pressed twice changes nothing', () => {
    renderButton();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key ci-deploy' }));
    const dialog = screen.getByRole('dialog');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
  });

  it('opens nothing while its button is disabled', () => {
    render(
      <ConfirmButton disabled title="Delete?" consequence="It goes." confirmLabel="Delete" onConfirm={vi.fn()}>
        Delete…
      </ConfirmButton>,
    );
    const button = screen.getByRole('button', { name: 'Delete…' });
    expect(button.hasAttribute('disabled')).toBe(true);
    fireEvent.click(button);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('inside another form, submits nothing of that form', () => {
    const outer = vi.fn((e: { preventDefault: () => void }) => e.preventDefault());
    const onConfirm = vi.fn();
    render(
      <form onSubmit={outer}>
        <ConfirmButton title="Remove the second factor?" consequence="Their password alone signs them in." confirmLabel="Remove" onConfirm={onConfirm}>
          Remove…
        </ConfirmButton>
      </form>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Remove…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(outer).not.toHaveBeenCalled();
  });
});

describe('ConfirmDialog with a reason', () => {
  function renderDialog(required: boolean) {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    render(
      <ConfirmDialog
        title="Reject this plan?"
        consequence={<p>It will not run.</p>}
        confirmLabel="Reject plan"
        reason={{ label: 'Why', required, initial: '  ' }}
        onConfirm={onConfirm}
        onCancel={onCancel}
      />,
    );
    return { onConfirm, onCancel };
  }

  it('refuses an empty required reason and says why, then sends the trimmed one', () => {
    const { onConfirm } = renderDialog(true);
    const why = screen.getByLabelText('Why (required)');
    expect(document.activeElement).toBe(why);
    fireEvent.click(screen.getByRole('button', { name: 'Reject plan' }));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toContain('Give a reason');
    expect(why.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(why, { target: { value: ' the train left ' } });
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Reject plan' }));
    expect(onConfirm).toHaveBeenCalledWith('the train left');
  });

  it('takes an empty optional reason, and Cancel confirms nothing', () => {
    const { onConfirm, onCancel } = renderDialog(false);
    expect(screen.getByLabelText('Why (optional)')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Reject plan' }));
    expect(onConfirm).toHaveBeenCalledWith('');
  });
});
