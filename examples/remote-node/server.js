// A DataOps remote module in Node.js (docs/remote-modules.md): `share_of_total` adds a column
// holding each row's share of a numeric column's total. Tables arrive and leave as Arrow IPC
// streams, read and written with the `apache-arrow` package; nothing here reads any file.
"use strict";

const http = require("node:http");
const { Float64, Table, tableFromIPC, tableToIPC, vectorFromArray } = require("apache-arrow");

const PORT = Number(process.env.PORT || 4100);
const HOST = process.env.HOST || "127.0.0.1";
const REGISTER = process.env.DATAOPS_REGISTER_URL || ""; // the DataOps editor, e.g. http://127.0.0.1:3001
const TOKEN = process.env.DATAOPS_REMOTE_TOKEN || ""; // issued by the operator (DATAOPS_REMOTE_TOKENS)
const INTERVAL = Number(process.env.DATAOPS_HEARTBEAT_SECONDS || 5);
const URL_BASE = process.env.DATAOPS_ADVERTISE_URL || `http://${HOST}:${PORT}`;

const DESCRIPTION = {
  protocol: 1,
  name: "share_of_total",
  category: "remote",
  description: "Each row's share of a numeric column's total (served by Node.js)",
  inputs: [{ name: "data", many: false, optional: false }],
  outputs: ["result"],
  params_schema: {
    type: "object",
    properties: {
      column: { type: "string", description: "Numeric column to divide by its total." },
      as: { type: "string", description: "Name of the new column.", default: "share" },
    },
    required: ["column"],
    additionalProperties: false,
  },
  version: require("./package.json").version,
  timeout_seconds: 60,
};

class CallError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

// Body: uint32 big-endian N | N bytes of JSON header | the tables' IPC streams, lengths in the header.
function decodeFrames(body) {
  if (body.length < 4) throw new CallError(400, "malformed call: shorter than its header length");
  const headerLength = body.readUInt32BE(0);
  const header = JSON.parse(body.subarray(4, 4 + headerLength).toString("utf8"));
  let offset = 4 + headerLength;
  const tables = [];
  for (const { port, length } of header.tables || []) {
    tables.push([port, tableFromIPC(body.subarray(offset, offset + length))]);
    offset += length;
  }
  return { header, tables };
}

function encodeFrames(header, tables) {
  const streams = tables.map(([port, table]) => [port, tableToIPC(table, "stream")]);
  const head = Buffer.from(
    JSON.stringify({ ...header, tables: streams.map(([port, bytes]) => ({ port, length: bytes.byteLength })) }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, ...streams.map(([, bytes]) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))]);
}

function shareOfTotal(table, params) {
  const column = table.getChild(params.column);
  if (column === null) {
    const names = table.schema.fields.map((f) => f.name).join(", ");
    throw new CallError(422, `unknown column '${params.column}' (columns: ${names})`, "column");
  }
  const values = Array.from(column, (v) => (v === null || v === undefined ? null : Number(v)));
  if (values.some((v) => v !== null && Number.isNaN(v))) {
    throw new CallError(422, `column '${params.column}' is not numeric`, "column");
  }
  const total = values.reduce((sum, v) => sum + (v ?? 0), 0);
  const shares = values.map((v) => (v === null || total === 0 ? null : v / total));
  const columns = {};
  for (const field of table.schema.fields) columns[field.name] = table.getChild(field.name);
  columns[params.as || "share"] = vectorFromArray(shares, new Float64());
  return new Table(columns);
}

function send(response, status, body, type) {
  response.writeHead(status, { "Content-Type": type, "Content-Length": body.length });
  response.end(body);
}

function sendError(response, status, message, field) {
  send(response, status, Buffer.from(JSON.stringify({ error: { message, field: field || null } })), "application/json");
}

const server = http.createServer((request, response) => {
  if (request.method === "GET" && request.url === "/describe") {
    return send(response, 200, Buffer.from(JSON.stringify(DESCRIPTION)), "application/json");
  }
  if (request.method !== "POST" || request.url !== "/call") {
    return sendError(response, 404, `no ${request.method} ${request.url}; try GET /describe or POST /call`);
  }
  if (request.headers.authorization !== `Bearer ${TOKEN}`) {
    return sendError(response, 401, "missing or wrong token: only the DataOps instance this service registered with may call it");
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    try {
      const { header, tables } = decodeFrames(Buffer.concat(chunks));
      const data = tables.find(([port]) => port === "data");
      if (!data) throw new CallError(400, "input 'data' was not sent", "data");
      const params = header.params || {};
      if (typeof params.column !== "string") throw new CallError(422, "param 'column' is required", "column");
      const result = shareOfTotal(data[1], params);
      send(response, 200, encodeFrames({ protocol: 1, metadata: {} }, [["result", result]]), "application/vnd.dataops.frames");
    } catch (error) {
      sendError(response, error.status || 500, error.message, error.field);
    }
  });
});

async function post(path, body) {
  const answer = await fetch(`${REGISTER.replace(/\/$/, "")}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${path}: HTTP ${answer.status} ${await answer.text()}`);
}

async function heartbeat() {
  try {
    await post("/api/remote/register", { url: URL_BASE, interval_seconds: INTERVAL, module: DESCRIPTION });
  } catch (error) {
    console.error(`registering with ${REGISTER}: ${error.message}`);
  }
}

server.listen(PORT, HOST, () => {
  console.log(`share_of_total serving at ${URL_BASE}`);
  if (REGISTER) {
    heartbeat();
    setInterval(heartbeat, INTERVAL * 1000).unref();
  }
});

async function stop() {
  if (REGISTER) await post("/api/remote/unregister", { name: DESCRIPTION.name }).catch(() => {});
  server.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
