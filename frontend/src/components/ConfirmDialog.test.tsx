// Tests of the confirm dialog: it says what will happen, does nothing on Cancel or Escape, and
// acts only on its own button.

import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmButton } from './ConfirmDialog';

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
});
