import { createContext, useContext } from 'react';

/** What the server says about itself at `/web-config.json` (see packages/server/src/http/web-app.ts). */
export interface WebConfig {
  registration: 'open' | 'closed';
  transport: 'cookie' | 'bearer';
  /** The server's `TESSERA_DPOP`: sessions are bound to this browser's key unless `off`. */
  dpop: 'off' | 'optional' | 'required';
}

const DEFAULTS: WebConfig = { registration: 'closed', transport: 'cookie', dpop: 'off' };

/** Reads the server's web config; the defaults when it cannot (an older server, or the network). */
export async function loadWebConfig(): Promise<WebConfig> {
  try {
    const response = await fetch('/web-config.json', { headers: { accept: 'application/json' } });
    if (!response.ok) return DEFAULTS;
    const body = (await response.json()) as Partial<WebConfig>;
    return {
      registration: body.registration === 'open' ? 'open' : 'closed',
      transport: body.transport === 'bearer' ? 'bearer' : 'cookie',
      // An older server says nothing of DPoP, and may not accept the header: then none is sent.
      dpop: body.dpop === 'optional' || body.dpop === 'required' ? body.dpop : 'off',
    };
  } catch {
    return DEFAULTS;
  }
}

export const WebConfigContext = createContext<WebConfig>(DEFAULTS);

/** The server's web config, as loaded at start. */
export function useWebConfig(): WebConfig {
  return useContext(WebConfigContext);
}
