/*
 * wine-hold.exe, TESTS ONLY: a Windows program that does nothing until it is
 * killed. scripts/wine-test.sh starts it once, with its output going nowhere,
 * before any test runs a Windows program.
 *
 * Why: the Wine server ends a few seconds after its last program, and a wine
 * started at that moment fails ("wine client error: recvmsg: Connection reset
 * by peer") or exits silently. Tests start many short Windows programs one
 * after another, so some met the server on its way out. While this program
 * runs, the server and Wine's own services stay up for the whole run, and
 * those services, started by this program, hold /dev/null rather than the
 * pipes of a test (a persistent `wineserver -p` alone would leave the
 * services to be started by a test's process, and the test would wait on
 * them forever).
 */
#include <windows.h>

int main(void)
{
    Sleep(INFINITE);
    return 0;
}
