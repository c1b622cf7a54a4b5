/**
 * OpenF1's OAuth2 password flow: `POST /token` (form-encoded `username`, `password`) returns
 * `{"expires_in": "3600", "access_token": ..., "token_type": "bearer"}`; authenticated requests
 * send `Authorization: Bearer <token>`. Without configured credentials any credentials get a token
 * and `/v1` stays open, so a client configured with credentials works either way.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { detailReply, jsonReply, type Reply } from './responses.js';

const TOKEN_LIFETIME_S = 3600;
const TokenRequestSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export class TokenAuthority {
  private readonly expiryByToken = new Map<string, number>();

  constructor(private readonly credentials: Credentials | undefined) {}

  /** Answers `POST /token` with its form-encoded body. */
  issue(formBody: string, nowMs: number): Reply {
    const parsed = TokenRequestSchema.safeParse(Object.fromEntries(new URLSearchParams(formBody)));
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') ?? 'body';
      return detailReply(422, `${field}: field required`);
    }
    const { username, password } = parsed.data;
    if (this.credentials && (username !== this.credentials.username || password !== this.credentials.password)) {
      return detailReply(401, 'Incorrect username or password', { 'www-authenticate': 'Bearer' });
    }
    const token = randomBytes(24).toString('base64url');
    this.expiryByToken.set(token, nowMs + TOKEN_LIFETIME_S * 1000);
    return jsonReply(200, { expires_in: String(TOKEN_LIFETIME_S), access_token: token, token_type: 'bearer' });
  }

  /** The 401 to answer a `/v1` request with, or undefined when it may proceed. */
  reject(authorization: string | undefined, nowMs: number): Reply | undefined {
    if (!this.credentials) return undefined;
    const token = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return detailReply(401, 'Not authenticated', { 'www-authenticate': 'Bearer' });
    const expiry = this.expiryByToken.get(token);
    if (expiry === undefined || expiry <= nowMs) {
      this.expiryByToken.delete(token);
      return detailReply(401, 'Could not validate credentials', { 'www-authenticate': 'Bearer' });
    }
    return undefined;
  }
}
