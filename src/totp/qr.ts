/**
 * A QR code for the terminal, two modules per character cell (Unicode half
 * blocks). Light modules are drawn as the block characters, so the code
 * reads on a dark terminal, as `qrencode -t UTF8` draws it, with a quiet zone.
 */
export async function renderQr(text: string): Promise<string> {
  const { encodeQR } = await import('@paulmillr/qr');
  return encodeQR(text, 'ascii', { ecc: 'medium', border: 2 });
}
