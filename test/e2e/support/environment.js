// Jest environment for the e2e suite: Node's, plus a flag that says whether any test or hook
// failed so far. The suite keeps n8n's user folder (database and n8n.log) when something
// failed, and prints where it is; after a clean run it deletes it.
'use strict';
const { TestEnvironment } = require('jest-environment-node');

class RealN8nEnvironment extends TestEnvironment {
	constructor(config, context) {
		super(config, context);
		this.global.__realN8nFailures = { count: 0 };
	}

	async handleTestEvent(event) {
		if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
			this.global.__realN8nFailures.count += 1;
		}
	}
}

module.exports = RealN8nEnvironment;
