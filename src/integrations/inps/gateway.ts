/**
 * What the engine needs from INPS, behind an interface: send an application
 * (answering INPS's protocol number), notify the signed project and each
 * sanction. Every call carries an idempotency key, so a repeated call (a
 * retry after a timeout, a crash before completion) gets the first answer
 * back instead of a second registration. The outcome of an application comes
 * back later, through the callback endpoint (src/api/routes/inps.routes.ts).
 */

/** The application as INPS receives it: the flat REI variables, identified by comune and protocol. */
export interface DomandaInps {
  /** Belfiore code of the comune. */
  ente: string;
  protocolloDomanda: string;
  dataDomanda: string | null;
  richiedente: Record<string, unknown> | null;
  nucleo: unknown[];
  isee: number | null;
  isre: number | null;
  dsuProtocollo: string | null;
  rinnovo: boolean;
  durataMesi: number | null;
}

export interface NotificaFirma {
  ente: string;
  protocolloDomanda: string;
  protocolloInps: string;
  dataFirma: string;
}

export interface NotificaSanzione {
  ente: string;
  protocolloDomanda: string;
  protocolloInps: string;
  sanzione: Record<string, unknown>;
}

export interface RicevutaDomanda {
  protocolloInps: string;
  ricevutaIl: string;
}

export interface RicevutaNotifica {
  protocolloNotifica: string;
  ricevutaIl: string;
}

export interface InpsGateway {
  inviaDomanda(domanda: DomandaInps, idempotencyKey: string): Promise<RicevutaDomanda>;
  notificaFirma(notifica: NotificaFirma, idempotencyKey: string): Promise<RicevutaNotifica>;
  notificaSanzione(notifica: NotificaSanzione, idempotencyKey: string): Promise<RicevutaNotifica>;
}

/** INPS could not be reached or answered 5xx/429, or too late: worth retrying. */
export class InpsUnavailableError extends Error {
  constructor(message: string, readonly status: number | null = null) {
    super(message);
    this.name = 'InpsUnavailableError';
  }
}

/** INPS refused the request itself (4xx): repeating it changes nothing. */
export class InpsRejectedError extends Error {
  constructor(message: string, readonly status: number, readonly motivi: string[] = []) {
    super(message);
    this.name = 'InpsRejectedError';
  }
}

/** The exchange is not configured or INPS refused our credentials (401/403): fix the configuration, then retry the incident. */
export class InpsConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InpsConfigurationError';
  }
}

/** Used when INPS_URL is not set: every call fails with a clear message (an incident after the first try). */
export class UnconfiguredInpsGateway implements InpsGateway {
  inviaDomanda(): Promise<RicevutaDomanda> {
    return Promise.reject(notConfigured());
  }
  notificaFirma(): Promise<RicevutaNotifica> {
    return Promise.reject(notConfigured());
  }
  notificaSanzione(): Promise<RicevutaNotifica> {
    return Promise.reject(notConfigured());
  }
}

function notConfigured(): InpsConfigurationError {
  return new InpsConfigurationError('Scambio con INPS non configurato: impostare INPS_URL (o INPS_SIM=true per il simulatore)');
}
