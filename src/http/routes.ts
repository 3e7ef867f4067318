// The route table: one line per endpoint. Static paths come before parameters.
import {
  consolePage, consoleScript, consoleStyle, docsPage, docsScript, docsStyle, live, metrics, openapi, ready,
} from './ops.ts';
import { listAuditLogsHandler } from './audit.ts';
import {
  addComment, changeAssignee, changeStatus, createRequest, getRequestHandler, listCommentsHandler,
  listRequestsHandler, requestHistoryHandler, updateRequestHandler,
} from './requests.ts';
import type { RouteDef } from './server.ts';
import {
  createUser, getMe, getUserHandler, listRolesHandler, listUsersHandler, rotateMyKey, rotateUserKey, updateUserHandler,
} from './users.ts';

export const routes: RouteDef[] = [
  { method: 'GET', path: '/health', handler: live, auth: 'public' },
  { method: 'GET', path: '/health/live', handler: live, auth: 'public' },
  { method: 'GET', path: '/health/ready', handler: ready, auth: 'public' },
  { method: 'GET', path: '/metrics', handler: metrics, auth: 'public' },
  { method: 'GET', path: '/openapi.json', handler: openapi, auth: 'public' },
  { method: 'GET', path: '/docs', handler: docsPage, auth: 'public' },
  { method: 'GET', path: '/docs/api.js', handler: docsScript, auth: 'public' },
  { method: 'GET', path: '/docs/api.css', handler: docsStyle, auth: 'public' },
  { method: 'GET', path: '/', handler: consolePage, auth: 'public' },
  { method: 'GET', path: '/ui/app.js', handler: consoleScript, auth: 'public' },
  { method: 'GET', path: '/ui/app.css', handler: consoleStyle, auth: 'public' },

  { method: 'GET', path: '/roles', handler: listRolesHandler, auth: 'key' },
  { method: 'POST', path: '/users', handler: createUser, auth: 'bootstrap' },
  { method: 'GET', path: '/users', handler: listUsersHandler, auth: 'key' },
  { method: 'GET', path: '/users/me', handler: getMe, auth: 'key' },
  { method: 'POST', path: '/users/me/api-key/rotate', handler: rotateMyKey, auth: 'key' },
  { method: 'GET', path: '/users/:id', handler: getUserHandler, auth: 'key' },
  { method: 'PATCH', path: '/users/:id', handler: updateUserHandler, auth: 'key' },
  { method: 'POST', path: '/users/:id/api-key/rotate', handler: rotateUserKey, auth: 'key' },

  { method: 'POST', path: '/requests', handler: createRequest, auth: 'key' },
  { method: 'GET', path: '/requests', handler: listRequestsHandler, auth: 'key' },
  { method: 'GET', path: '/requests/:ref', handler: getRequestHandler, auth: 'key' },
  { method: 'PATCH', path: '/requests/:ref', handler: updateRequestHandler, auth: 'key' },
  { method: 'PATCH', path: '/requests/:ref/status', handler: changeStatus, auth: 'key' },
  { method: 'PATCH', path: '/requests/:ref/assignee', handler: changeAssignee, auth: 'key' },
  { method: 'GET', path: '/requests/:ref/history', handler: requestHistoryHandler, auth: 'key' },
  { method: 'POST', path: '/requests/:ref/comments', handler: addComment, auth: 'key' },
  { method: 'GET', path: '/requests/:ref/comments', handler: listCommentsHandler, auth: 'key' },

  { method: 'GET', path: '/audit-logs', handler: listAuditLogsHandler, auth: 'key' },
];
