/** The notices of an order (src/csr/notices.ts): what the certificate carries differently from what was asked, and why. */
import type { OrderNotice } from '../csr/notices.js';
import { Alert } from './ui.js';

export function OrderNotices({ notices }: { notices: OrderNotice[] }) {
  if (notices.length === 0) return null;
  return (
    <Alert kind="info" title="About what your certificate will contain" id="order-notices">
      <ul class="tidy">
        {notices.map((n) => (
          <li data-notice={n.code}>{n.detail}</li>
        ))}
      </ul>
    </Alert>
  );
}
