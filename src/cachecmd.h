/* cachecmd: `savepage cache list|prune|clear|path`, the cache's housekeeping. */
#ifndef SAVEPAGE_CACHECMD_H
#define SAVEPAGE_CACHECMD_H

/* argv[0] is "cache". Returns the exit status. */
int cachecmd_main(int argc, char **argv);

#endif
