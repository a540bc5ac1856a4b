import type { Database } from 'better-sqlite3';
import type { CaldavTargetConfig } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import type { OnOfficeClient, OnOfficeUser } from '../onoffice/onoffice-client.js';
import { createUserRouteRepository, type UserRoute } from '../store/user-route-repository.js';

type Route = CaldavTargetConfig['routes'][number];

/**
 * A username that no appointment carries: with `departedUsers: remove` a departed user's route keeps its
 * calendar in the target (so the push can delete what it wrote there) but takes no appointment.
 */
const NO_USER = '\u0000departed';

/** A calendar path from a username: lower case letters, digits and dashes; the id when nothing is left. */
export function planUserCalendarPath(user: Pick<OnOfficeUser, 'id' | 'username'>): string {
  const slug = user.username
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `onoffice-${slug || user.id}`;
}

export function planUserDisplayName(user: Pick<OnOfficeUser, 'firstname' | 'lastname' | 'username'>): string {
  const name = [user.firstname, user.lastname].map((part) => part.trim()).filter(Boolean).join(' ');
  return `onOffice – ${name || user.username}`;
}

/**
 * The remembered routes after a look at the active users: a new user gets a route, a known one keeps
 * its calendar (also after a rename), a missing one is marked departed (and active again when back).
 * Users who have a route in the configuration (by id or username) get none here.
 */
export function planUserRoutes(
  target: Pick<CaldavTargetConfig, 'routes'>,
  active: readonly OnOfficeUser[],
  remembered: readonly UserRoute[],
  now: Date,
): UserRoute[] {
  const configured = new Set(target.routes.map((route) => route.user).filter((user) => user !== undefined).map(String));
  const taken = new Set([...target.routes.map((route) => route.calendar), ...remembered.map((route) => route.calendar)]);
  const byId = new Map(remembered.map((route) => [route.userId, route]));
  const activeIds = new Set(active.map((user) => user.id));
  const routes: UserRoute[] = remembered.map((route) =>
    activeIds.has(route.userId) ? { ...route, departedAt: null } : { ...route, departedAt: route.departedAt ?? now.toISOString() },
  );
  for (const user of [...active].sort((a, b) => a.id - b.id)) {
    if (byId.has(user.id) || configured.has(String(user.id)) || configured.has(user.username)) continue;
    let calendar = planUserCalendarPath(user);
    if (taken.has(calendar)) calendar = `${calendar}-${user.id}`;
    taken.add(calendar);
    routes.push({ userId: user.id, username: user.username, calendar, displayName: planUserDisplayName(user), departedAt: null });
  }
  return routes.filter((route) => !configured.has(String(route.userId)) && !configured.has(route.username));
}

/** The target's routes: the configured ones first (they win), then one per remembered user. */
export function planTargetWithUserRoutes(target: CaldavTargetConfig, userRoutes: readonly UserRoute[]): CaldavTargetConfig {
  const automatic: Route[] = userRoutes.map((route) => ({
    user: route.departedAt !== null && target.departedUsers === 'remove' ? NO_USER : route.userId,
    calendar: route.calendar,
    displayName: route.displayName,
  }));
  return { ...target, routes: [...target.routes, ...automatic] };
}

export interface ResolveUserRoutesOptions {
  readonly targetConfig: CaldavTargetConfig;
  readonly client: Pick<OnOfficeClient, 'getUsers'>;
  readonly db: Database;
  readonly now: () => Date;
  readonly logger: Logger;
}

/**
 * `routing: per-user` with `autoRoutes`: asks onOffice for its users (one request), remembers each
 * user's calendar in the state database and returns the target with a route per user. Any other
 * target comes back as it is, without a request.
 */
export async function resolveUserRoutes(options: ResolveUserRoutesOptions): Promise<CaldavTargetConfig> {
  const { targetConfig, db } = options;
  if (targetConfig.routing !== 'per-user' || !targetConfig.autoRoutes) return targetConfig;
  const log = options.logger.child({ module: 'user-routes', target: targetConfig.name });
  const users = await options.client.getUsers();
  const repository = createUserRouteRepository(db);
  const remembered = repository.list(targetConfig.name);
  const now = options.now();
  const routes = planUserRoutes(targetConfig, users, remembered, now);
  const before = new Map(remembered.map((route) => [route.userId, route]));
  repository.transaction(() => {
    for (const route of routes) {
      const old = before.get(route.userId);
      if (old && old.departedAt === route.departedAt) continue;
      repository.save(targetConfig.name, route, now.toISOString());
      if (!old) log.info({ user: route.userId, calendar: route.calendar }, `new onOffice user: calendar "${route.displayName}"`);
      else if (route.departedAt) log.info({ user: route.userId, calendar: route.calendar, departedUsers: targetConfig.departedUsers }, 'onOffice user departed');
      else log.info({ user: route.userId, calendar: route.calendar }, 'onOffice user is back');
    }
  });
  return planTargetWithUserRoutes(targetConfig, routes);
}
