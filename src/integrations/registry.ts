/**
 * The connectors this process runs, by topic. Built once in the composition
 * root (src/app-context.ts) from a plain list; a topic registered twice is a
 * wiring mistake and fails at start-up.
 */
import type { Connector } from './connector.js';

export class ConnectorRegistry {
  private readonly byTopic = new Map<string, Connector>();

  constructor(connectors: readonly Connector[] = []) {
    for (const c of connectors) this.register(c);
  }

  register(connector: Connector): this {
    if (!/^[\w.:-]+$/.test(connector.topic)) throw new Error(`Topic di connettore non valido: "${connector.topic}"`);
    if (this.byTopic.has(connector.topic)) throw new Error(`Connettore registrato due volte per il topic "${connector.topic}"`);
    this.byTopic.set(connector.topic, connector);
    return this;
  }

  /** Replaces (or adds) the connectors of the same topics: tests swap in fakes this way. */
  override(connectors: readonly Connector[]): this {
    for (const c of connectors) this.byTopic.set(c.topic, c);
    return this;
  }

  get(topic: string): Connector | undefined {
    return this.byTopic.get(topic);
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  list(): Connector[] {
    return [...this.byTopic.values()];
  }
}
