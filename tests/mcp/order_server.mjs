#!/usr/bin/env node
// An MCP server made with the official SDK (@modelcontextprotocol/server),
// for the tests where switchboard is the MCP client: the call's model asks
// for an order and the daemon calls this server's tool.
//
//   node tests/mcp/order_server.mjs [--port N | N] [--mode ok|hang|garbage]
//
// It serves Streamable HTTP at http://127.0.0.1:<port>/mcp (port 0 or none:
// a free one), both eras (2026-07-28 per request, and the 2025 initialize
// handshake, statelessly), and prints "listening <url>" as the first line
// on stdout once it accepts connections. One tool, lookup_order
// {order_id: string}: for "A123" a text block and structuredContent
// {order_id, status: "shipped", eta: "Tuesday"}; any other order id is a
// tool error (isError). --mode says how tools/call is answered:
//   ok       as above (the default);
//   hang     never (every other request is answered as usual);
//   garbage  a 200 whose body is not JSON-RPC (not even JSON).
// SIGTERM or SIGINT stops it. Run `npm ci` in tests/mcp first.
import http from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import { McpServer, createMcpHandler } from "@modelcontextprotocol/server";
import * as z from "zod";

export const known_orders = { A123: { status: "shipped", eta: "Tuesday" } };
export const garbage_body = "<html>this is not JSON-RPC</html>";

/// The server's one tool on a fresh McpServer (the SDK asks for one per
/// request it serves).
function make_server(mode) {
  const server = new McpServer({ name: "order-server", version: "1.0.0" });
  server.registerTool(
    "lookup_order",
    {
      title: "Look up an order",
      description: "The shipping status and expected delivery day of an order, by its id (e.g. A123).",
      inputSchema: z.object({ order_id: z.string().describe("The order's id, e.g. A123") }),
      outputSchema: z.object({ order_id: z.string(), status: z.string(), eta: z.string() }),
    },
    async ({ order_id }) => {
      if (mode === "hang") return new Promise(() => {});
      const order = known_orders[order_id];
      if (!order) {
        return { isError: true, content: [{ type: "text", text: `No order ${order_id} was found.` }] };
      }
      const result = { order_id, ...order };
      return {
        content: [{ type: "text", text: `Order ${order_id} is ${order.status}; it arrives on ${order.eta}.` }],
        structuredContent: result,
      };
    },
  );
  return server;
}

// Whether a request body is a tools/call (the garbage mode's target).
function is_tools_call(body) {
  try {
    return JSON.parse(body)?.method === "tools/call";
  } catch {
    return false;
  }
}

async function read_body(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/// node:http in front of the SDK's web-standard handler: the request as a
/// fetch Request, its Response written back (streamed, for SSE answers).
async function serve(handler, mode, base_url, request, response) {
  const body = await read_body(request);
  if (mode === "garbage" && request.method === "POST" && is_tools_call(body)) {
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(garbage_body);
    return;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const has_body = request.method !== "GET" && request.method !== "HEAD";
  const answer = await handler.fetch(new Request(new URL(request.url, base_url), {
    method: request.method, headers, body: has_body ? body : undefined,
  }));
  response.writeHead(answer.status, Object.fromEntries(answer.headers));
  if (!answer.body) {
    response.end();
    return;
  }
  const reader = answer.body.getReader();
  request.on("close", () => reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    response.write(value);
  }
  response.end();
}

/// Starts the server on 127.0.0.1:`port`; resolves to {url, close()}.
export async function start_order_server({ port = 0, mode = "ok" } = {}) {
  if (!["ok", "hang", "garbage"].includes(mode)) throw new Error(`--mode: ok, hang or garbage (got ${mode})`);
  const handler = createMcpHandler(() => make_server(mode));
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const base_url = `http://127.0.0.1:${server.address().port}`;
  server.on("request", (request, response) => {
    if (new URL(request.url, base_url).pathname !== "/mcp") {
      response.writeHead(404, { "Content-Type": "text/plain" });
      response.end("not found\n");
      return;
    }
    serve(handler, mode, base_url, request, response).catch((error) => {
      if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain" });
      response.end(`${error}\n`);
    });
  });
  return {
    url: `${base_url}/mcp`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await handler.close?.();
    },
  };
}

// Run as a program (not imported by a test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      allowPositionals: true,
      options: { port: { type: "string", default: "0" }, mode: { type: "string", default: "ok" } },
    }));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  const port_text = positionals[0] ?? values.port;
  const port = Number(port_text);
  if (positionals.length > 1 || !/^\d+$/.test(port_text) || port > 65535) {
    console.error(`usage: order_server.mjs [--port N | N] [--mode ok|hang|garbage] (port: 0 to 65535, got ${port_text})`);
    process.exit(2);
  }
  let running;
  try {
    running = await start_order_server({ port, mode: values.mode });
  } catch (error) {
    console.error(String(error.message ?? error));
    process.exit(2);
  }
  process.stdout.write(`listening ${running.url}\n`);
  const stop = () => running.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
