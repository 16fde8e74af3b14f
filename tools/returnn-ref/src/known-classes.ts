// Prints the net-dict class names Strata knows (core layer specs and network classes), as JSON.
import { netDictClassNames } from '@strata/network';
console.log(JSON.stringify(netDictClassNames()));
