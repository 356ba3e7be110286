import type { Right } from '@vigil/control-api';

/** Who is calling, once their bearer is verified. */
export interface Principal {
  userId: string;
  name: string;
  rights: Right[];
  via: 'token' | 'oidc';
  /** The API token used, when via is token. */
  tokenId?: string;
}

/** What every handler receives beside the parsed request. */
export interface RequestContext {
  /** Absent only for the bootstrap call, which has no user yet. */
  principal: Principal | undefined;
  requestId: string;
  /** The raw bearer, for bootstrap. */
  bearer: string | undefined;
}
