// Calls to the lakebox endpoint that served this page: the AWS JSON 1.1 APIs (Athena, Glue) and
// the native /v1 endpoints. lakebox does not check signatures, so plain fetch is enough.
// Every failure is thrown as an ApiError with AWS's error name (e.g. InvalidRequestException) and
// message, so views can show it where it belongs.

export class ApiError extends Error {
  constructor(type, message, httpStatus) {
    super(message || type || `HTTP ${httpStatus}`);
    this.type = type || '';
    this.httpStatus = httpStatus || 0;
  }
}

async function parseResponse(response) {
  const text = await response.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    // AWS errors are {"__type": "[namespace#]Name", "message": "..."}.
    const type = body && typeof body.__type === 'string' ? body.__type.split('#').pop() : '';
    const message = body && (body.message || body.Message);
    throw new ApiError(type, message || text.slice(0, 300) || response.statusText, response.status);
  }
  return body;
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new ApiError('NetworkError', `lakebox is not reachable (${e.message})`, 0);
  }
  return parseResponse(response);
}

// GET of a native endpoint, e.g. getJson('/v1/status').
export function getJson(path) {
  return send(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
}

function awsCall(target, body) {
  return send('/', {
    method: 'POST',
    headers: { 'X-Amz-Target': target, 'Content-Type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body || {}),
  });
}

// AmazonAthena.<operation>, e.g. athena('StartQueryExecution', {QueryString: 'SELECT 1'}).
export function athena(operation, body) {
  return awsCall(`AmazonAthena.${operation}`, body);
}

// AWSGlue.<operation>, e.g. glue('GetTables', {DatabaseName: 'vehicles'}).
export function glue(operation, body) {
  return awsCall(`AWSGlue.${operation}`, body);
}

// Every page of a Glue list call: `field` is the list member (e.g. 'DatabaseList', 'TableList').
export async function glueAll(operation, body, field) {
  const items = [];
  let token;
  do {
    const page = await glue(operation, { ...body, ...(token ? { NextToken: token } : {}) });
    items.push(...(page[field] || []));
    token = page.NextToken;
  } while (token);
  return items;
}

export const dashboards = {
  list: () => getJson('/v1/dashboards'),
  get: (name) => getJson(`/v1/dashboards/${encodeURIComponent(name)}`),
  dataset: (name, dataset) =>
    getJson(`/v1/dashboards/${encodeURIComponent(name)}/datasets/${encodeURIComponent(dataset)}`),
};

export const status = () => getJson('/v1/status');

export function resultsCsvUrl(queryId) {
  return `/v1/queries/${encodeURIComponent(queryId)}/results.csv`;
}
