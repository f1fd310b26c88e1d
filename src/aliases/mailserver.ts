/**
 * The mail-server side: Exim routers that accept fred+TAG / fred-TAG and
 * refuse burnt addresses, Postfix's recipient_delimiter with an access map,
 * and a Sieve script filing by tag (RFC 5233 subaddress).
 */
import type { AliasSetup } from './registry.js';
import { splitAddress } from './derive.js';

export function burntList(addresses: string[]): string {
  return addresses.map((a) => `${a.toLowerCase()}`).join('\n') + (addresses.length ? '\n' : '');
}

export function eximConfig(setup: AliasSetup, burnt: string[]): string {
  const locals = [...new Set(setup.bases.map((b) => splitAddress(b).local))].join(' : ');
  const domains = [...new Set(setup.bases.map((b) => splitAddress(b).domain))].join(' : ');
  const suffixes = setup.separators.map((s) => `${s}*`).join(' : ');
  // The suffix is SEP TAG.CODE; the router fires (and refuses) unless CODE is
  // the first 8 hex of HMAC-SHA1(secret hex text, TAG) — see codeFor().
  const code = setup.style === 'code'
    ? `
# Code-style tags (TAG.CODE): refuse an address whose CODE is not the first 8 hex
# of HMAC-SHA1(secret, TAG). Put the secret in /etc/exim4/stickvault-secret
# ('stv alias config secret > /etc/exim4/stickvault-secret'; mode 0640, root:Debian-exim).
stickvault_guessed:
  driver = redirect
  domains = ${domains}
  local_parts = ${locals}
  local_part_suffix = ${suffixes}
  condition = \${if match{$local_part_suffix}{\\N^.(.+)\\.([0-9a-f]{8})$\\N}{\${if eq{$2}{\${substr{0}{8}{\${hmac{sha1}{\${readfile{/etc/exim4/stickvault-secret}{}}}{$1}}}}}{no}{yes}}}{yes}}
  allow_fail
  data = :fail: no such address
`
    : '';
  return `# stickvault: per-site aliases for ${setup.bases.join(', ')} (separators ${setup.separators.join(' ')})
# Routers section, before your local-delivery router; 'transport' names your
# local delivery transport. Burnt addresses: one per line in
# /etc/exim4/stickvault-burnt (write it with 'stv alias config burnt > /etc/exim4/stickvault-burnt').
begin routers

stickvault_burnt:
  driver = redirect
  domains = ${domains}
  local_parts = ${locals}
  local_part_suffix = ${suffixes}
  local_part_suffix_optional
  condition = \${if exists{/etc/exim4/stickvault-burnt}{\${lookup{$local_part$local_part_suffix@$domain}lsearch{/etc/exim4/stickvault-burnt}{yes}{no}}}{no}}
  allow_fail
  data = :fail: this address is disabled (leaked)
${code}
stickvault_aliases:
  driver = accept
  domains = ${domains}
  local_parts = ${locals}
  local_part_suffix = ${suffixes}
  local_part_suffix_optional
  transport = local_delivery
# ${burnt.length} burnt address(es) at generation time.
`;
}

export function postfixConfig(setup: AliasSetup, burnt: string[]): string {
  return `# stickvault: per-site aliases for ${setup.bases.join(', ')}
# main.cf:
recipient_delimiter = ${setup.separators.join('')}
smtpd_recipient_restrictions = check_recipient_access hash:/etc/postfix/stickvault-burnt, permit_mynetworks, reject_unauth_destination

${setup.style === 'code' ? "# Code-style tags: Postfix cannot compute the HMAC itself; a policy service must check\n# that CODE in TAG.CODE is the first 8 hex of HMAC-SHA1(secret hex text, TAG) ('stv alias config secret').\n" : ''}# /etc/postfix/stickvault-burnt (then: postmap /etc/postfix/stickvault-burnt):
${burnt.map((a) => `# ${a.toLowerCase()} REJECT this address is disabled (leaked)`).join('\n') || '# (no burnt addresses yet)'}
`;
}

export function postfixAccessMap(burnt: string[]): string {
  return burnt.map((a) => `${a.toLowerCase()} REJECT this address is disabled (leaked)`).join('\n') + (burnt.length ? '\n' : '');
}

export function sieveScript(setup: AliasSetup): string {
  return `# stickvault: file mail by alias tag (RFC 5233 subaddress; the server's separator: ${setup.separators.join(' ')})
require ["envelope", "subaddress", "fileinto", "mailbox", "variables"];

if envelope :matches :detail "to" "*" {
  if not string :is "\${1}" "" {
    fileinto :create "Aliases/\${1}";
    stop;
  }
}
`;
}

export const ALIASES_HELP = `Per-site e-mail aliases

  stv alias setup --base fred@example.com --separator - --separator +
  stv alias new amazon.co.uk        → fred-amazon@example.com (or fred+amazon@…),
                                    recorded on the site's entry (if none: a new
                                    Aliases/amazon.co.uk, or --group GROUP)
  stv add --alias -g Shop/Amazon --url https://www.amazon.co.uk
  stv alias who 'To: Fred <fred-amazon@example.com>'
  stv alias burn fred-amazon@example.com      never issued again; rejected by the server
  stv alias config exim|postfix|sieve|burnt|postfix-map

Tags are the site's registrable domain without its suffix (www.amazon.co.uk →
amazon), folded to ASCII; IP addresses need --tag. '--style code' adds a keyed
HMAC (amazon.f824df0b) so a guessed address can be refused by the server.

Caveats: some sites reject '+' in addresses or silently drop the mail — the
setup's separator order and 'stv alias noplus SITE' choose '-' for them; the
site sees the whole address, tag included; aliases are only as private as the
vault (they are stored in it, encrypted, never elsewhere).`;
