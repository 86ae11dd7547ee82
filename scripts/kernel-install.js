#!/usr/bin/env node
'use strict';
// Kept for old instructions: same as `tsdl kernel install [--user | --prefix DIR | --data-dir DIR]`.
process.argv.splice(2, 0, 'kernel', 'install');
require('../bin/tsdl.js');
