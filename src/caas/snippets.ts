/**
 * Copy-paste set-ups for common ACME clients, with the directory URL and the EAB credentials filled in.
 * The HMAC key goes in exactly as issued (unpadded base64url): every one of these clients decodes it.
 */

export interface SnippetInput {
  directoryUrl: string;
  kid: string;
  hmacKey: string;
  email: string;
  /** Placeholder domain the customer replaces. */
  domain?: string;
  /** DNS delegation (upstream mode): the CNAME target `<label>.<zone>` every name must point at first. */
  delegationTarget?: string;
}

export interface Snippets {
  certbot: string;
  lego: string;
  acmeSh: string;
  caddy: string;
  certManager: string;
  traefik: string;
}

export const EXAMPLE_DOMAIN = 'www.example.com';

/** Leaves shell-safe words alone and single-quotes anything else. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) && !s.startsWith('-') ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A YAML double-quoted scalar (JSON strings are valid ones): a key id like "1e5" stays a string. */
const yamlString = (s: string) => JSON.stringify(s);

/** A Caddyfile token, quoted when it holds anything but plain characters. */
const caddyToken = (s: string) => (/^[^\s"{}#\\]+$/.test(s) ? s : JSON.stringify(s));

/** Every snippet starts with the delegation record when the gateway carries orders upstream by delegation. */
export function buildSnippets(input: SnippetInput): Snippets {
  const plain = buildPlainSnippets(input);
  if (!input.delegationTarget) return plain;
  const first = `# First, once per name (DNS delegation): _acme-challenge.${input.domain ?? EXAMPLE_DOMAIN}. CNAME ${input.delegationTarget}.\n`;
  return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, first + v])) as unknown as Snippets;
}

function buildPlainSnippets(input: SnippetInput): Snippets {
  const dir = shellWord(input.directoryUrl);
  const kid = shellWord(input.kid);
  const key = shellWord(input.hmacKey);
  const email = shellWord(input.email);
  const domainText = input.domain ?? EXAMPLE_DOMAIN;
  const domain = shellWord(domainText);

  const certbot = [
    `certbot register --server ${dir} --eab-kid ${kid} --eab-hmac-key ${key} -m ${email} --agree-tos --no-eff-email`,
    `certbot certonly --server ${dir} --standalone -d ${domain}`,
  ].join('\n');

  const lego = `lego --server ${dir} --eab --kid ${kid} --hmac ${key} --email ${email} --accept-tos --domains ${domain} --http run`;

  const acmeSh = [
    `acme.sh --register-account --server ${dir} --eab-kid ${kid} --eab-hmac-key ${key} -m ${email}`,
    `acme.sh --issue --server ${dir} -d ${domain} --standalone`,
  ].join('\n');

  const caddy = [
    '{',
    `\temail ${caddyToken(input.email)}`,
    `\tacme_ca ${caddyToken(input.directoryUrl)}`,
    '\tacme_eab {',
    `\t\tkey_id ${caddyToken(input.kid)}`,
    `\t\tmac_key ${caddyToken(input.hmacKey)}`,
    '\t}',
    '}',
    '',
    `${caddyToken(domainText)} {`,
    '\trespond "Hello over TLS"',
    '}',
  ].join('\n');

  const certManager = [
    '# The EAB HMAC key, as issued (base64url text). With `stringData` Kubernetes stores exactly this text;',
    '# under `data` it would have to be base64 of this text. cert-manager reads the text as base64url.',
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: eabgate-eab',
    '  namespace: cert-manager',
    'type: Opaque',
    'stringData:',
    `  secret: ${yamlString(input.hmacKey)}`,
    '---',
    'apiVersion: cert-manager.io/v1',
    'kind: ClusterIssuer',
    'metadata:',
    '  name: eabgate',
    'spec:',
    '  acme:',
    `    server: ${yamlString(input.directoryUrl)}`,
    `    email: ${yamlString(input.email)}`,
    '    privateKeySecretRef:',
    '      name: eabgate-account-key',
    '    externalAccountBinding:',
    `      keyID: ${yamlString(input.kid)}`,
    '      keySecretRef:',
    '        name: eabgate-eab',
    '        key: secret',
    '    solvers:',
    '      - http01:',
    '          ingress:',
    '            ingressClassName: nginx',
  ].join('\n');

  const traefik = [
    '# Traefik static configuration (traefik.yml); routers use it with `tls.certResolver: eabgate`.',
    'certificatesResolvers:',
    '  eabgate:',
    '    acme:',
    `      caServer: ${yamlString(input.directoryUrl)}`,
    `      email: ${yamlString(input.email)}`,
    '      storage: /etc/traefik/acme-eabgate.json',
    '      eab:',
    `        kid: ${yamlString(input.kid)}`,
    `        hmacEncoded: ${yamlString(input.hmacKey)}`,
    '      httpChallenge:',
    '        entryPoint: web',
  ].join('\n');

  return { certbot, lego, acmeSh, caddy, certManager, traefik };
}
