import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** An attribute value as OTLP/JSON encodes it. */
type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

/** A span as received, its attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  events: Array<{ name: string; attributes: Record<string, string | number | boolean> }>;
  status: { code?: number; message?: string };
  resource: Record<string, string | number | boolean>;
}

/** One histogram data point as received. */
export interface ReceivedHistogramPoint {
  metric: string;
  unit: string;
  attributes: Record<string, string | number | boolean>;
  count: number;
  sum: number;
}

/** A collector stand-in: an HTTP server taking OTLP/HTTP JSON exports on /v1/traces and /v1/metrics. */
export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly histogramPoints: ReceivedHistogramPoint[];
  /** Content types of the exports received (to check the encoding the exporters chose). */
  readonly contentTypes: Set<string>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const histogramPoints: ReceivedHistogramPoint[] = [];
  const contentTypes = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(req.headers['content-type'] ?? '');
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      try {
        const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        if (req.url === '/v1/traces') spans.push(...spansOf(body));
        else if (req.url === '/v1/metrics') histogramPoints.push(...histogramPointsOf(body));
      } catch {
        // Not JSON (a protobuf export): the test sees no data and fails on what it waited for.
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    histogramPoints,
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function flat(attributes: unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of (attributes ?? []) as KeyValue[]) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}

interface ResourceSpans {
  resource?: { attributes?: KeyValue[] };
  scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
}

function spansOf(body: Record<string, unknown>): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (body.resourceSpans ?? []) as ResourceSpans[]) {
    const resource = flat(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: String(s.traceId),
          spanId: String(s.spanId),
          parentSpanId: typeof s.parentSpanId === 'string' ? s.parentSpanId : '',
          name: String(s.name),
          kind: Number(s.kind),
          attributes: flat(s.attributes),
          events: ((s.events ?? []) as Array<{ name: string; attributes?: KeyValue[] }>).map((e) => ({ name: e.name, attributes: flat(e.attributes) })),
          status: (s.status ?? {}) as ReceivedSpan['status'],
          resource,
        });
      }
    }
  }
  return out;
}

interface ResourceMetrics {
  scopeMetrics?: Array<{
    metrics?: Array<{ name: string; unit?: string; histogram?: { dataPoints?: Array<{ attributes?: KeyValue[]; count?: number | string; sum?: number }> } }>;
  }>;
}

function histogramPointsOf(body: Record<string, unknown>): ReceivedHistogramPoint[] {
  const out: ReceivedHistogramPoint[] = [];
  for (const rm of (body.resourceMetrics ?? []) as ResourceMetrics[]) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        for (const p of m.histogram?.dataPoints ?? []) {
          out.push({ metric: m.name, unit: m.unit ?? '', attributes: flat(p.attributes), count: Number(p.count ?? 0), sum: Number(p.sum ?? 0) });
        }
      }
    }
  }
  return out;
}
