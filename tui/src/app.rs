//! The console's state and its one `update` function: an [`Action`] in, state changed,
//! [`Effect`]s out (calls to make, files to write). Nothing here touches the network or the
//! terminal, so key handling is tested on this type alone.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{Action, Command, Purpose};
use crate::api::{Reply, session_ended};
use crate::context::{Ctx, Effect, Status};
use crate::keys::{self, Binding, Key};
use crate::screens::{
    AuditScreen, CategoriesScreen, CmsScreen, CollectionsScreen, ContactScreen, DashboardScreen, JobsScreen,
    LoginScreen, OrdersScreen, ProductsScreen, PromotionsScreen, ReportsScreen, Screen, ScreenId, UsersScreen,
};
use crate::widgets::command_line::{CommandLine, CommandLineOutcome};

pub struct App {
    pub screen: ScreenId,
    /// The signed-in staff member's email.
    pub user: Option<String>,
    pub help: bool,
    pub command_line: Option<CommandLine>,
    pub status: Option<Status>,
    /// Calls sent and not yet answered (the spinner turns while any are).
    pub in_flight: BTreeSet<u64>,
    pub spinner: usize,
    pub quit: bool,
    /// Where to return after signing in again.
    resume: Option<ScreenId>,
    next_ticket: u64,
    login: LoginScreen,
    dashboard: DashboardScreen,
    products: ProductsScreen,
    categories: CategoriesScreen,
    collections: CollectionsScreen,
    promotions: PromotionsScreen,
    orders: OrdersScreen,
    users: UsersScreen,
    reports: ReportsScreen,
    cms: CmsScreen,
    contact: ContactScreen,
    jobs: JobsScreen,
    audit: AuditScreen,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl App {
    pub fn new() -> Self {
        Self {
            screen: ScreenId::Login,
            user: None,
            help: false,
            command_line: None,
            status: None,
            in_flight: BTreeSet::new(),
            spinner: 0,
            quit: false,
            resume: None,
            next_ticket: 1,
            login: LoginScreen::default(),
            dashboard: DashboardScreen::default(),
            products: ProductsScreen::default(),
            categories: CategoriesScreen::default(),
            collections: CollectionsScreen::default(),
            promotions: PromotionsScreen::default(),
            orders: OrdersScreen::default(),
            users: UsersScreen::default(),
            reports: ReportsScreen::default(),
            cms: CmsScreen::default(),
            contact: ContactScreen::default(),
            jobs: JobsScreen::default(),
            audit: AuditScreen::default(),
        }
    }

    pub fn screen(&self, id: ScreenId) -> &dyn Screen {
        match id {
            ScreenId::Login => &self.login,
            ScreenId::Dashboard => &self.dashboard,
            ScreenId::Products => &self.products,
            ScreenId::Categories => &self.categories,
            ScreenId::Collections => &self.collections,
            ScreenId::Promotions => &self.promotions,
            ScreenId::Orders => &self.orders,
            ScreenId::Users => &self.users,
            ScreenId::Reports => &self.reports,
            ScreenId::Cms => &self.cms,
            ScreenId::Contact => &self.contact,
            ScreenId::Jobs => &self.jobs,
            ScreenId::Audit => &self.audit,
        }
    }

    fn screen_mut(&mut self, id: ScreenId) -> &mut dyn Screen {
        match id {
            ScreenId::Login => &mut self.login,
            ScreenId::Dashboard => &mut self.dashboard,
            ScreenId::Products => &mut self.products,
            ScreenId::Categories => &mut self.categories,
            ScreenId::Collections => &mut self.collections,
            ScreenId::Promotions => &mut self.promotions,
            ScreenId::Orders => &mut self.orders,
            ScreenId::Users => &mut self.users,
            ScreenId::Reports => &mut self.reports,
            ScreenId::Cms => &mut self.cms,
            ScreenId::Contact => &mut self.contact,
            ScreenId::Jobs => &mut self.jobs,
            ScreenId::Audit => &mut self.audit,
        }
    }

    /// The key tables in force: the screen's first, then the global one.
    pub fn bindings(&self) -> Vec<&'static [Binding]> {
        let mut tables = self.screen(self.screen).bindings();
        tables.push(keys::GLOBAL);
        tables
    }

    /// What a key means now: typed text while something takes text, else the command the key
    /// tables give it. Ctrl-C always quits.
    pub fn action_for(&self, key: KeyEvent) -> Option<Action> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(Action::Command(Command::Quit));
        }
        if self.command_line.is_some() || self.screen(self.screen).editing() {
            return Some(Action::Input(key));
        }
        let key = Key::of(&key)?;
        if self.help {
            // Any key closes help.
            return Some(Action::Command(Command::Help));
        }
        keys::lookup(&self.bindings(), key).map(Action::Command)
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut ctx = Ctx::new(self.screen, self.next_ticket);
        match action {
            Action::Tick => {
                if !self.in_flight.is_empty() {
                    self.spinner = self.spinner.wrapping_add(1);
                }
            }
            Action::Resize => {}
            Action::Command(command) => self.command(command, &mut ctx),
            Action::Input(key) => self.input(key, &mut ctx),
            Action::Paste(text) => {
                if let Some(line) = &mut self.command_line {
                    line.paste(&text);
                } else {
                    self.screen_mut(self.screen).paste(&text);
                }
            }
            Action::Replied { ticket, result } => {
                self.in_flight.remove(&ticket.id);
                ctx.screen = ticket.screen;
                match result {
                    Err(failure) if session_ended(&failure) && ticket.purpose != Purpose::Login => {
                        self.session_ended(&mut ctx);
                    }
                    Ok(Reply::LoggedIn { email }) => {
                        self.user = Some(email.clone());
                        let back = self.resume.take().unwrap_or(ScreenId::Dashboard);
                        ctx.info(format!("signed in as {email}"));
                        ctx.goto(back, None);
                    }
                    result => self
                        .screen_mut(ticket.screen)
                        .reply(ticket.id, ticket.purpose, result, &mut ctx),
                }
            }
            Action::Saved { path, result } => {
                match &result {
                    Ok(()) => ctx.info(format!("saved {path}")),
                    Err(e) => ctx.error(format!("could not write {path}: {e}")),
                }
                self.screen_mut(ctx.screen).saved(&path, &result, &mut ctx);
            }
        }
        self.finish(ctx)
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        match command {
            Command::Quit => ctx.effects.push(Effect::Quit),
            Command::Help => self.help = !self.help,
            Command::CommandLine if self.user.is_some() => self.command_line = Some(CommandLine::default()),
            _ => self.screen_mut(self.screen).command(command, ctx),
        }
    }

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some(line) = &mut self.command_line {
            match line.handle(&key) {
                CommandLineOutcome::Editing => {}
                CommandLineOutcome::Cancel => self.command_line = None,
                CommandLineOutcome::Go(screen, argument) => {
                    self.command_line = None;
                    ctx.goto(screen, argument);
                }
                CommandLineOutcome::Quit => {
                    self.command_line = None;
                    ctx.effects.push(Effect::Quit);
                }
                CommandLineOutcome::Unknown(name) => {
                    self.command_line = None;
                    ctx.error(format!("no screen \"{name}\" (Tab completes)"));
                }
            }
            return;
        }
        self.screen_mut(self.screen).input(key, ctx);
    }

    fn session_ended(&mut self, ctx: &mut Ctx) {
        if self.screen != ScreenId::Login {
            self.resume = Some(self.screen);
        }
        self.user = None;
        self.command_line = None;
        self.login.ended();
        self.screen = ScreenId::Login;
        ctx.goto = None;
        ctx.error("the session ended: sign in again to go on where you were");
    }

    /// Applies what the screen asked for (status, a switch of screen) and returns the effects.
    fn finish(&mut self, mut ctx: Ctx) -> Vec<Effect> {
        if let Some(status) = ctx.status.take() {
            self.status = Some(status);
        }
        // A switch may load the new screen: its calls join this update's.
        while let Some((screen, argument)) = ctx.goto.take() {
            if screen != ScreenId::Login && self.user.is_none() {
                break;
            }
            self.screen = screen;
            self.help = false;
            ctx.screen = screen;
            self.screen_mut(screen).enter(argument.as_deref(), &mut ctx);
            if let Some(status) = ctx.status.take() {
                self.status = Some(status);
            }
        }
        self.next_ticket = ctx.next_ticket();
        for effect in &ctx.effects {
            if let Effect::Call { ticket, .. } = effect {
                self.in_flight.insert(ticket.id);
            }
            if matches!(effect, Effect::Quit) {
                self.quit = true;
            }
        }
        ctx.effects
    }
}
