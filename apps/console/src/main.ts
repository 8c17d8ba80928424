import './styles.css';
import { destroyCharts } from './charts';
import { h } from './dom';
import { auditPage } from './pages/audit.page';
import { campaignsPage } from './pages/campaigns.page';
import { churnRiskPage } from './pages/churn-risk.page';
import { clientPage, clientsPage } from './pages/client.page';
import { pipelinePage } from './pages/pipeline.page';
import { projectionsPage } from './pages/projections.page';
import { retentionPage } from './pages/retention.page';
import { segmentMembersPage, segmentsPage } from './pages/segments.page';
import { servicePage } from './pages/service.page';
import { signInPage } from './pages/signin.page';
import { session } from './session';
import type { PageContext } from './view';

interface Route {
  pattern: RegExp;
  /** Shown in the navigation (absent: reached through links). */
  nav?: string;
  href?: string;
  /** Whether the signed-in caller's roles may read the page (else it is not in the menu). */
  visible?: () => boolean;
  page: (ctx: PageContext) => Promise<void>;
}

const may = (permission: string) => () => session.may(permission);

const ROUTES: Route[] = [
  {
    pattern: /^\/pipeline$/,
    nav: 'Pipeline',
    href: '#/pipeline',
    visible: may('pipeline:read'),
    page: pipelinePage,
  },
  {
    pattern: /^\/retention$/,
    nav: 'Retention',
    href: '#/retention',
    visible: may('analytics:read'),
    page: retentionPage,
  },
  {
    pattern: /^\/churn-risk$/,
    nav: 'Churn risk',
    href: '#/churn-risk',
    visible: may('analytics:read'),
    page: churnRiskPage,
  },
  {
    pattern: /^\/segments$/,
    nav: 'Segments',
    href: '#/segments',
    visible: may('analytics:read'),
    page: segmentsPage,
  },
  { pattern: /^\/segments\/(?<segment>[a-z-]+)$/, page: segmentMembersPage },
  {
    pattern: /^\/campaigns$/,
    nav: 'Campaigns',
    href: '#/campaigns',
    visible: () => session.may('campaign:read') || session.may('analytics:read'),
    page: campaignsPage,
  },
  {
    pattern: /^\/service$/,
    nav: 'Service',
    href: '#/service',
    visible: () =>
      session.may('case:read') || session.may('case:analytics') || session.may('analytics:read'),
    page: servicePage,
  },
  {
    pattern: /^\/clients$/,
    nav: 'Clients',
    href: '#/clients',
    visible: () => session.may('customer:read') || session.may('audit:read'),
    page: clientsPage,
  },
  { pattern: /^\/clients\/(?<id>[0-9a-fA-F-]{36})$/, page: clientPage },
  {
    pattern: /^\/audit$/,
    nav: 'Audit',
    href: '#/audit',
    visible: may('audit:read'),
    page: auditPage,
  },
  {
    pattern: /^\/projections$/,
    nav: 'Projections',
    href: '#/projections',
    visible: may('admin:operate'),
    page: projectionsPage,
  },
];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
let shown = 0;
let returnTo: string | null = null;

function drawChrome(path: string): void {
  const signedIn = session.who();
  nav.replaceChildren(
    h(
      'ul',
      {},
      signedIn
        ? ROUTES.filter((r) => r.nav && r.visible?.() !== false).map((r) =>
            h(
              'li',
              {},
              h(
                'a',
                { href: r.href, 'aria-current': r.href === `#${path}` ? 'page' : undefined },
                r.nav,
              ),
            ),
          )
        : [],
    ),
  );
  who.replaceChildren(
    ...(signedIn
      ? [
          h('span', { id: 'signed-in-as' }, `${signedIn.actor} (${signedIn.roles.join(', ')})`),
          h(
            'button',
            {
              type: 'button',
              onclick: () => {
                session.signOut();
                location.hash = '#/signin';
              },
            },
            'Sign out',
          ),
        ]
      : [h('a', { href: '#/signin' }, 'Sign in')]),
  );
}

function home(): string {
  const first = ROUTES.find((r) => r.nav && r.visible?.() !== false);
  return first?.href ?? '#/clients';
}

async function route(moveFocus: boolean): Promise<void> {
  const path = location.hash.replace(/^#/, '') || '/';
  const current = ++shown;
  destroyCharts();
  main.replaceChildren();
  delete main.dataset.ready;
  if (!session.token() && path !== '/signin') {
    // Back to this page once signed in (a bookmarked client, a link from a colleague).
    returnTo = path === '/' ? null : `#${path}`;
    location.replace('#/signin');
    return;
  }
  if (path === '/' || path === '') {
    location.replace(home());
    return;
  }
  drawChrome(path);
  const ctx: PageContext = { main, params: {}, alive: () => current === shown };
  if (path === '/signin') {
    await signInPage(ctx, () => {
      location.hash = returnTo ?? home();
      returnTo = null;
    });
    main.dataset.ready = path;
    return;
  }
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find(({ m }) => m !== null);
  if (!match) {
    main.append(
      h('h1', {}, 'Page not found'),
      h('p', {}, h('a', { href: home() }, 'Go to the start page')),
    );
    return;
  }
  ctx.params = { ...(match.m!.groups ?? {}) };
  // Keyboard and screen-reader users land on the new page's content (on the first page, the
  // skip link stays the first stop).
  if (moveFocus) main.focus({ preventScroll: true });
  await match.r.page(ctx);
  // The page's first answers are drawn (tests and screenshots wait for this).
  if (ctx.alive()) main.dataset.ready = path;
}

window.addEventListener('hashchange', () => void route(true));
void route(false);
