// Importing this module registers every implemented action in the action table.
import './regions.js';
import './tags.js';
import './acls.js';
import './load-balancers.js';
import './rules.js';
import './domain-extensions.js';
import './access-logs.js';
import './hd-monitor.js';
import './backend-servers.js';
import './vserver-groups.js';
import './master-slave-groups.js';
import './certificates.js';
import './listeners.js';
import './tls-cipher-policies.js';
