// The route table: one line per endpoint. Static paths come before parameters.
// Handlers are named after their route: the method, then the path's nouns (an item route
// singular, parameters left out), e.g. PATCH /requests/:ref/status → patchRequestStatus.
import { getAttachment, getRequestAttachments, postRequestAttachments } from './attachments.ts';
import { getAuditLogs } from './audit.ts';
import { getEvents } from './events.ts';
import { getEventsStream } from './stream.ts';
import { getReportsSummary, getRequestsCsv } from './reports.ts';
import {
  consoleFile, getConsole, getConsoleReports, getConsoleScript, getConsoleSlaScript, getConsoleStyle, getDocs, getDocsScript, getDocsStyle,
  getHealth, getHealthReady, getMetrics, getOpenapi,
} from './ops.ts';
import {
  getRequest, getRequestComments, getRequestCounts, getRequestHistory, getRequests, patchRequest, patchRequestAssignee,
  patchRequestStatus, patchRequestTeam, postRequestComments, postRequests,
} from './requests.ts';
import { getSlaPolicy, putSlaPolicy } from './sla.ts';
import { deleteTeamMember, getTeam, getTeamMembers, getTeams, patchTeam, postTeams, putTeamMember } from './teams.ts';
import type { RouteDef } from './server.ts';
import { deleteUsersMeTelegram, deleteUserTelegram, getConsoleTelegramScript, postUsersMeTelegramLink } from './telegram.ts';
import {
  getRoles, getUser, getUsers, getUsersMe, patchUser, postUserApiKeyRotate, postUsers, postUsersMeApiKeyRotate,
} from './users.ts';
import {
  deleteWebhook, getWebhook, getWebhookDeliveries, getWebhookDelivery, getWebhooks, patchWebhook, postWebhookDeliveryRedeliver,
  postWebhookPing, postWebhooks, postWebhookSecretRotate,
} from './webhooks.ts';

export const routes: RouteDef[] = [
  { method: 'GET', path: '/health', handler: getHealth, auth: 'public' },
  { method: 'GET', path: '/health/live', handler: getHealth, auth: 'public' },
  { method: 'GET', path: '/health/ready', handler: getHealthReady, auth: 'public' },
  { method: 'GET', path: '/metrics', handler: getMetrics, auth: 'public' },
  { method: 'GET', path: '/openapi.json', handler: getOpenapi, auth: 'public' },
  { method: 'GET', path: '/docs', handler: getDocs, auth: 'public' },
  { method: 'GET', path: '/docs/api.js', handler: getDocsScript, auth: 'public' },
  { method: 'GET', path: '/docs/api.css', handler: getDocsStyle, auth: 'public' },
  { method: 'GET', path: '/', handler: getConsole, auth: 'public' },
  { method: 'GET', path: '/ui/app.js', handler: getConsoleScript, auth: 'public' },
  { method: 'GET', path: '/ui/app.css', handler: getConsoleStyle, auth: 'public' },
  { method: 'GET', path: '/ui/reports.js', handler: getConsoleReports, auth: 'public' },
  { method: 'GET', path: '/ui/telegram.js', handler: getConsoleTelegramScript, auth: 'public' },
  { method: 'GET', path: '/ui/attachments.js', handler: consoleFile('attachments.js'), auth: 'public' },
  { method: 'GET', path: '/ui/core.js', handler: consoleFile('core.js'), auth: 'public' },
  { method: 'GET', path: '/ui/filters.js', handler: consoleFile('filters.js'), auth: 'public' },
  { method: 'GET', path: '/ui/history.js', handler: consoleFile('history.js'), auth: 'public' },
  { method: 'GET', path: '/ui/keys.js', handler: consoleFile('keys.js'), auth: 'public' },
  { method: 'GET', path: '/ui/live.js', handler: consoleFile('live.js'), auth: 'public' },
  { method: 'GET', path: '/ui/request.js', handler: consoleFile('request.js'), auth: 'public' },
  { method: 'GET', path: '/ui/teams.js', handler: consoleFile('teams.js'), auth: 'public' },
  { method: 'GET', path: '/ui/favicon.svg', handler: consoleFile('favicon.svg'), auth: 'public' },
  { method: 'GET', path: '/ui/sla.js', handler: getConsoleSlaScript, auth: 'public' },

  { method: 'GET', path: '/roles', handler: getRoles, auth: 'key' },
  { method: 'POST', path: '/users', handler: postUsers, auth: 'bootstrap' },
  { method: 'GET', path: '/users', handler: getUsers, auth: 'key' },
  { method: 'GET', path: '/users/me', handler: getUsersMe, auth: 'key' },
  { method: 'POST', path: '/users/me/api-key/rotate', handler: postUsersMeApiKeyRotate, auth: 'key' },
  { method: 'POST', path: '/users/me/telegram-link', handler: postUsersMeTelegramLink, auth: 'key' },
  { method: 'DELETE', path: '/users/me/telegram', handler: deleteUsersMeTelegram, auth: 'key' },
  { method: 'GET', path: '/users/:id', handler: getUser, auth: 'key' },
  { method: 'PATCH', path: '/users/:id', handler: patchUser, auth: 'key' },
  { method: 'POST', path: '/users/:id/api-key/rotate', handler: postUserApiKeyRotate, auth: 'key' },
  { method: 'DELETE', path: '/users/:id/telegram', handler: deleteUserTelegram, auth: 'key' },

  { method: 'POST', path: '/requests', handler: postRequests, auth: 'key' },
  { method: 'GET', path: '/requests', handler: getRequests, auth: 'key' },
  { method: 'GET', path: '/requests.csv', handler: getRequestsCsv, auth: 'key' },
  { method: 'GET', path: '/requests/counts', handler: getRequestCounts, auth: 'key' },
  { method: 'GET', path: '/requests/:ref', handler: getRequest, auth: 'key' },
  { method: 'PATCH', path: '/requests/:ref', handler: patchRequest, auth: 'key' },
  { method: 'PATCH', path: '/requests/:ref/status', handler: patchRequestStatus, auth: 'key' },
  { method: 'PATCH', path: '/requests/:ref/assignee', handler: patchRequestAssignee, auth: 'key' },
  { method: 'PATCH', path: '/requests/:ref/team', handler: patchRequestTeam, auth: 'key' },
  { method: 'GET', path: '/requests/:ref/history', handler: getRequestHistory, auth: 'key' },
  { method: 'POST', path: '/requests/:ref/comments', handler: postRequestComments, auth: 'key' },
  { method: 'GET', path: '/requests/:ref/comments', handler: getRequestComments, auth: 'key' },
  { method: 'POST', path: '/requests/:ref/attachments', handler: postRequestAttachments, auth: 'key', body: 'raw' },
  { method: 'GET', path: '/requests/:ref/attachments', handler: getRequestAttachments, auth: 'key' },
  { method: 'GET', path: '/attachments/:id', handler: getAttachment, auth: 'key' },

  { method: 'GET', path: '/teams', handler: getTeams, auth: 'key' },
  { method: 'POST', path: '/teams', handler: postTeams, auth: 'key' },
  { method: 'GET', path: '/teams/:id', handler: getTeam, auth: 'key' },
  { method: 'PATCH', path: '/teams/:id', handler: patchTeam, auth: 'key' },
  { method: 'GET', path: '/teams/:id/members', handler: getTeamMembers, auth: 'key' },
  { method: 'PUT', path: '/teams/:id/members/:user_id', handler: putTeamMember, auth: 'key' },
  { method: 'DELETE', path: '/teams/:id/members/:user_id', handler: deleteTeamMember, auth: 'key' },

  { method: 'GET', path: '/reports/summary', handler: getReportsSummary, auth: 'key' },
  { method: 'GET', path: '/sla-policy', handler: getSlaPolicy, auth: 'key' },
  { method: 'PUT', path: '/sla-policy', handler: putSlaPolicy, auth: 'key' },

  { method: 'GET', path: '/audit-logs', handler: getAuditLogs, auth: 'key' },
  { method: 'GET', path: '/events', handler: getEvents, auth: 'key' },
  { method: 'GET', path: '/events/stream', handler: getEventsStream, auth: 'key' },

  { method: 'POST', path: '/webhooks', handler: postWebhooks, auth: 'key' },
  { method: 'GET', path: '/webhooks', handler: getWebhooks, auth: 'key' },
  { method: 'GET', path: '/webhooks/:id', handler: getWebhook, auth: 'key' },
  { method: 'PATCH', path: '/webhooks/:id', handler: patchWebhook, auth: 'key' },
  { method: 'DELETE', path: '/webhooks/:id', handler: deleteWebhook, auth: 'key' },
  { method: 'POST', path: '/webhooks/:id/secret/rotate', handler: postWebhookSecretRotate, auth: 'key' },
  { method: 'POST', path: '/webhooks/:id/ping', handler: postWebhookPing, auth: 'key' },
  { method: 'GET', path: '/webhooks/:id/deliveries', handler: getWebhookDeliveries, auth: 'key' },
  { method: 'GET', path: '/webhooks/:id/deliveries/:delivery_id', handler: getWebhookDelivery, auth: 'key' },
  { method: 'POST', path: '/webhooks/:id/deliveries/:delivery_id/redeliver', handler: postWebhookDeliveryRedeliver, auth: 'key' },
];
