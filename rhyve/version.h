/*
 * version.h - rhyve's version, for --version and QMP's greeting and
 * query-version.
 */
#ifndef RHYVE_VERSION_H
#define RHYVE_VERSION_H

#define RHYVE_VERSION_MAJOR	0
#define RHYVE_VERSION_MINOR	1
#define RHYVE_VERSION_MICRO	0
#define RHYVE_VERSION		"0.1"

#endif
