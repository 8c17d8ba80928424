import { CliError, EXIT } from '../cli-context';

export interface ApiOptions {
  url?: string;
  token?: string;
}

/** A call to a running API (status and rebuild go through it when --url is given). */
export async function callApi<T>(options: ApiOptions, method: string, path: string): Promise<T> {
  const url = options.url ?? process.env.CRM_API_URL;
  const token = options.token ?? process.env.CRM_API_TOKEN;
  if (!url || !token)
    throw new CliError(
      '--url and --token (or CRM_API_URL and CRM_API_TOKEN) are needed',
      EXIT.usage,
    );
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });
  } catch (error) {
    throw new CliError(
      `cannot reach the API at ${url}: ${(error as Error).message}`,
      EXIT.unavailable,
    );
  }
  const body = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok)
    throw new CliError(
      `${method} ${path} answered ${response.status}: ${body.message ?? ''}`,
      EXIT.failed,
    );
  return body;
}
