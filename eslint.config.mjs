// n8n's own community-node rules, as `n8n-node lint` applies them (no rule turned off).
import { config } from '@n8n/node-cli/eslint';

export default config;
