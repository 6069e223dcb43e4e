// The editor's JSON API: every failure becomes an ApiFailure carrying the server's message.

const TOKEN_KEY = "dataops-editor-token";

export class ApiFailure extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.status = status;
    this.body = body; // the whole answer, for the errors that carry more than a message (a save's 409)
  }
}

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, "X-DataOps-Token": token } : extra;
}

async function send(method, path, init) {
  let response;
  try {
    response = await fetch(path, { method, ...init, headers: headers(init.headers) });
  } catch (error) {
    throw new ApiFailure(0, `the editor server is unreachable (${error.message})`);
  }
  if (response.status === 401 && !init.retried) {
    const token = window.prompt("This editor needs its access token (DATAOPS_EDITOR_TOKEN):");
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      return send(method, path, { ...init, retried: true });
    }
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new ApiFailure(response.status, message, body);
  }
  return body;
}

export function api(method, path, body) {
  const init = body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } };
  return send(method, path, init);
}

// folder: where under the data root (the file browser's); default uploads/.
export function upload(file, folder) {
  const into = folder === undefined ? "" : `&folder=${encodeURIComponent(folder)}`;
  const path = `/api/upload?name=${encodeURIComponent(file.name)}${into}`;
  return send("POST", path, { body: file, headers: { "Content-Type": "application/octet-stream" } });
}
