import type { SessionAnswer } from '@rapport/contracts/read-api';
import { ApiFailure, call } from '../api';
import { h } from '../dom';
import { DEFAULT_PURPOSE, session } from '../session';
import { failureMessage, pageTitle, type PageContext } from '../view';

/**
 * Sign-in with an API key or a JWT: checked against GET /me, then kept in sessionStorage
 * (this tab only) and sent as a bearer token with every call.
 */
export function signInPage(ctx: PageContext, onSignedIn: () => void): Promise<void> {
  pageTitle(
    ctx.main,
    'Sign in',
    'Paste your API key or JWT. It stays in this browser tab only (session storage) and goes to the API with each request; your role decides what you see.',
  );
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const purpose = h('input', {
    id: 'purpose',
    name: 'purpose',
    value: session.purpose() || DEFAULT_PURPOSE,
  });
  const outcome = h('div', { 'aria-live': 'assertive' });
  const form = h(
    'form',
    { class: 'signin card', 'aria-label': 'Sign in' },
    h('label', { for: 'token' }, 'Token (API key or JWT)'),
    token,
    h('label', { for: 'purpose' }, 'Purpose of your reads (recorded in the audit trail)'),
    purpose,
    h('button', { type: 'submit' }, 'Sign in'),
    outcome,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      outcome.replaceChildren(h('p', { class: 'loading' }, 'Checking…'));
      try {
        const who = await call<SessionAnswer>('GET', '/me', { token: token.value.trim() });
        session.signIn(token.value.trim(), purpose.value, who);
        onSignedIn();
      } catch (error) {
        outcome.replaceChildren(
          error instanceof ApiFailure && error.status === 401
            ? h(
                'div',
                { class: 'message error', role: 'alert', 'data-status': 401 },
                h('strong', {}, 'Token refused (401). '),
                `${error.message}. Check that you pasted the whole key or an unexpired JWT.`,
              )
            : failureMessage(error, undefined),
        );
        token.focus();
      }
    })();
  });
  ctx.main.append(form);
  token.focus();
  return Promise.resolve();
}
