/** "This machine" in the tray and the dashboard: the local ZeroTier One service's node and its membership (core). */
export { readThisComputer as readThisMachine, withLocalService } from '../../core/zerotier/this-computer.ts';
