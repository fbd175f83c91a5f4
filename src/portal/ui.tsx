/** Small building blocks of portal pages: form fields with their hints and errors, alerts, badges, secrets. */
import type { Child, PropsWithChildren } from 'hono/jsx';
import { CSRF_FIELD } from './session.js';
import { countries } from './countries.js';
import { timeLeft, formatDate } from './time.js';
import type { Tone } from './text.js';

/** Errors of a form: by field name, and `_form` for what belongs to no field. */
export type FormErrors = Record<string, string>;

export const Csrf = ({ token }: { token: string }) => <input type="hidden" name={CSRF_FIELD} value={token} />;

export function ErrorSummary({ errors, labels }: { errors: FormErrors; labels?: Record<string, string> }) {
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return (
    <div class="alert alert-error" id="error-summary" role="alert" tabindex={-1} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{entries.length === 1 ? 'There is a problem' : `There are ${entries.length} problems`}</h2>
      <ul class="tidy">
        {entries.map(([field, message]) =>
          field === '_form' ? (
            <li>{message}</li>
          ) : (
            <li>
              <a href={`#f-${field}`}>{labels?.[field] ? `${labels[field]}: ` : ''}{message}</a>
            </li>
          ),
        )}
      </ul>
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  hint?: Child;
  error?: string;
  optional?: boolean;
}

const describedBy = (name: string, hint: unknown, error: unknown) =>
  [hint ? `f-${name}-hint` : '', error ? `f-${name}-error` : ''].filter(Boolean).join(' ') || undefined;

function FieldFrame({ name, label, hint, error, optional, children }: PropsWithChildren<FieldProps>) {
  return (
    <div class="field">
      <label for={`f-${name}`}>
        {label} {optional ? <span class="optional">(optional)</span> : null}
      </label>
      {hint ? (
        <span class="hint" id={`f-${name}-hint`}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span class="field-error" id={`f-${name}-error`}>
          <span class="visually-hidden">Error: </span>
          {error}
        </span>
      ) : null}
      {children}
    </div>
  );
}

export function TextField(
  props: FieldProps & {
    value?: string;
    type?: 'text' | 'email' | 'password';
    required?: boolean;
    autocomplete?: string;
    inputmode?: 'text' | 'email' | 'url';
    spellcheck?: boolean;
    maxlength?: number;
    minlength?: number;
    autocapitalize?: 'off' | 'characters';
  },
) {
  return (
    <FieldFrame {...props}>
      <input
        id={`f-${props.name}`}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        required={props.required}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        spellcheck={props.spellcheck}
        autocapitalize={props.autocapitalize}
        maxlength={props.maxlength}
        minlength={props.minlength}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.hint, props.error)}
      />
    </FieldFrame>
  );
}

export function TextArea(props: FieldProps & { value?: string; rows?: number; pem?: boolean; required?: boolean; maxlength?: number; placeholder?: string }) {
  return (
    <FieldFrame {...props}>
      <textarea
        id={`f-${props.name}`}
        name={props.name}
        rows={props.rows ?? 4}
        class={props.pem ? 'pem' : undefined}
        required={props.required}
        maxlength={props.maxlength}
        placeholder={props.placeholder}
        spellcheck={false}
        autocapitalize="off"
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.hint, props.error)}
      >
        {props.value ?? ''}
      </textarea>
    </FieldFrame>
  );
}

export function CountrySelect(props: FieldProps & { value?: string; id?: string }) {
  const value = (props.value ?? '').toUpperCase();
  return (
    <FieldFrame {...props}>
      <select
        id={`f-${props.name}`}
        name={props.name}
        autocomplete="country"
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.hint, props.error)}
      >
        <option value="">— Choose a country —</option>
        {countries().map((c) => (
          <option value={c.code} selected={c.code === value}>
            {c.name} ({c.code})
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

/** A plain pick-list; the first option is the empty "choose" entry. */
export function SelectField(props: FieldProps & { value?: string; options: readonly string[]; placeholder: string }) {
  return (
    <FieldFrame {...props}>
      <select
        id={`f-${props.name}`}
        name={props.name}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.hint, props.error)}
      >
        <option value="">{props.placeholder}</option>
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

export function Alert({ kind, title, children, id }: PropsWithChildren<{ kind: 'error' | 'warning' | 'success' | 'info'; title?: string; id?: string }>) {
  return (
    <div class={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : kind === 'success' ? 'status' : undefined} id={id}>
      {title ? <h2>{title}</h2> : null}
      {children}
    </div>
  );
}

export const Badge = ({ tone, children }: PropsWithChildren<{ tone: Tone }>) => <span class={`badge badge-${tone}`}>{children}</span>;

/** "6 days 23 hours left", kept current in the browser by portal.js. */
export function Countdown({ until, now }: { until: Date; now: Date }) {
  return (
    <span>
      <time datetime={until.toISOString()} data-countdown={until.toISOString()}>
        {timeLeft(until.getTime() - now.getTime())}
      </time>{' '}
      <span class="muted">(until {formatDate(until)})</span>
    </span>
  );
}

export const When = ({ date }: { date: Date }) => <time datetime={date.toISOString()}>{formatDate(date)}</time>;

/** A button that copies the text of another element; shown only when the script runs. */
export const CopyButton = ({ target, label }: { target: string; label: string }) => (
  <button type="button" class="btn btn-secondary btn-small" data-copy={target} hidden aria-label={label}>
    Copy
  </button>
);

/** A secret shown once on this page, with a copy button. */
export function Secret({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div class="secret-row">
      <span class="label" id={`${id}-label`}>
        {label}
      </span>
      <code class="secret" id={id} aria-labelledby={`${id}-label`}>
        {value}
      </code>
      <CopyButton target={id} label={`Copy ${label}`} />
    </div>
  );
}

/** A value to copy into a file or a DNS record. */
export function CopyValue({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div>
      <span class="label small" id={`${id}-label`}>
        {label}
      </span>
      <code class="value-box" id={id} aria-labelledby={`${id}-label`}>
        {value}
      </code>
      <CopyButton target={id} label={`Copy ${label}`} />
    </div>
  );
}
